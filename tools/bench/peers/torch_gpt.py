"""PyTorch peer of the training-step benchmark: the reference GPT (tools/reference/gpt_model.py)
trained with torch.optim.AdamW on the shared fixtures; prints one JSON line to stdout.
  /usr/bin/python3 tools/bench/peers/torch_gpt.py --fixtures .tmp/bench/tiny --threads 1 --warmup 3 --steps 10
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('--fixtures', required=True)
ap.add_argument('--threads', type=int, default=1)
ap.add_argument('--warmup', type=int, default=3)
ap.add_argument('--steps', type=int, default=10)
args = ap.parse_args()

# Debian's torch uses OpenBLAS, whose thread pool reads these at load time and ignores
# torch.set_num_threads, so they must be set before torch is imported.
for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = str(args.threads)
# torch's OpenMP pool otherwise spins after each parallel region and starves OpenBLAS's own
# pthread pool: with OpenBLAS and 2 threads a tiny step took 410 ms instead of 181 ms.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'reference'))
import safetensors_io  # noqa: E402
from gpt_model import forward  # noqa: E402

torch.set_num_threads(args.threads)


def blas_library():
    """The BLAS shared library actually mapped into this process (Debian's torch links
    libblas.so.3, which is the netlib reference BLAS unless OpenBLAS/BLIS provides it)."""
    with open('/proc/self/maps') as f:
        libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
    paths = sorted(os.path.realpath(p) for p in libs)
    kind = ' (netlib reference BLAS: single-threaded, unoptimised)' if any('/blas/libblas' in p for p in paths) else ''
    return (', '.join(paths) or 'unknown') + kind


with open(os.path.join(args.fixtures, 'config.json')) as f:
    cfg = json.load(f)
m = cfg['model']
model_cfg = {'vocab_size': m['vocabSize'], 'context_length': m['contextLength'], 'embed_dim': m['embedDim'],
             'num_layers': m['numLayers'], 'num_heads': m['numHeads']}
init, _ = safetensors_io.read(os.path.join(args.fixtures, 'init.safetensors'))
batch, _ = safetensors_io.read(os.path.join(args.fixtures, 'batch.safetensors'))
params = {name: torch.from_numpy(arr).requires_grad_(True) for name, arr in init.items()}
tokens = torch.from_numpy(batch['tokens']).long()
targets = torch.from_numpy(batch['targets']).long()
B, T = tokens.shape

opt = torch.optim.AdamW(list(params.values()), lr=cfg['lr'], betas=(cfg['beta1'], cfg['beta2']),
                        eps=cfg['eps'], weight_decay=cfg['weightDecay'])

losses, times = [], []
for step in range(args.warmup + args.steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    _, loss = forward(params, model_cfg, tokens, targets)
    loss.backward()
    opt.step()
    value = loss.item()
    dt = (time.perf_counter() - t0) * 1000
    losses.append(value)
    if step >= args.warmup:
        times.append(dt)
    print(f'step {step}: loss {value:.6f} {dt:.1f} ms', file=sys.stderr)

ms = statistics.median(times)
print(json.dumps({
    'library': 'pytorch', 'preset': cfg['name'], 'threads': args.threads, 'steps': args.steps,
    'msPerStep': ms, 'tokensPerSecond': B * T * 1000 / ms, 'losses': losses,
    'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    'notes': f'torch {torch.__version__} (Debian), BLAS: {blas_library()}; OMP_WAIT_POLICY={os.environ["OMP_WAIT_POLICY"]}; '
             'eager fp32; torch.optim.AdamW defaults',
}))
