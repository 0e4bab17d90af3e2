"""PyTorch twin of `tessera train` for the results comparison: the same GPT (gpt_model.py),
the same data (the run's token shards, checked against their manifest), the same batch size,
context, AdamW (betas 0.9/0.95, eps 1e-8, weight decay 0.1 on every parameter), linear
warmup + cosine schedule to lr/10, global-norm clipping at 1.0, and GPT-2 initialisation.
Batches and initial weights come from torch's own generator, so the two runs see different
(equally distributed) windows: compare their final validation losses, not their bits.

  /usr/bin/python3 tools/reference/train_gpt.py --data runs/tiny/data --steps 1000 [--threads 2]
Prints one JSON line: steps, final validation loss over the whole val split, seconds.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument('--data', required=True)
parser.add_argument('--steps', type=int, default=1000)
parser.add_argument('--batch-size', type=int, default=16)
parser.add_argument('--context', type=int, default=128)
parser.add_argument('--lr', type=float, default=3e-3)
parser.add_argument('--warmup', type=int, default=100)
parser.add_argument('--seed', type=int, default=1)
parser.add_argument('--threads', type=int, default=2)
args = parser.parse_args()
for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import gpt_model  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


def load_split(split):
    manifest = json.load(open(os.path.join(args.data, 'manifest.json')))
    parts = []
    for s in manifest['shards']:
        if s['split'] != split:
            continue
        raw = open(os.path.join(args.data, s['file']), 'rb').read()
        if hashlib.sha256(raw).hexdigest() != s['sha256']:
            sys.exit(f"shard {s['file']} does not match its manifest hash")
        parts.append(np.frombuffer(raw, dtype='<u2' if manifest['dtype'] == 'u16' else '<u4').astype(np.int64))
    return torch.from_numpy(np.concatenate(parts))


train, val = load_split('train'), load_split('val')
cfg = {'vocab_size': 256, 'context_length': 128, 'embed_dim': 128, 'num_layers': 4, 'num_heads': 4}
params = {}
for name, shape in gpt_model.param_shapes(cfg).items():
    if name.endswith('.bias'):
        params[name] = torch.zeros(shape)
    elif 'ln_' in name:
        params[name] = torch.ones(shape)
    else:
        std = 0.02 / math.sqrt(2 * cfg['num_layers']) if name.endswith('c_proj.weight') else 0.02
        params[name] = torch.randn(shape) * std
    params[name].requires_grad_(True)
opt = torch.optim.AdamW(params.values(), lr=args.lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)


def batch(data, gen):
    starts = torch.randint(0, len(data) - args.context, (args.batch_size,), generator=gen)
    x = torch.stack([data[s:s + args.context] for s in starts])
    y = torch.stack([data[s + 1:s + 1 + args.context] for s in starts])
    return x, y


def lr_at(step):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr / 10 + 0.5 * (1 + math.cos(math.pi * progress)) * (args.lr - args.lr / 10)


gen = torch.Generator().manual_seed(args.seed)
started = time.time()
for step in range(args.steps):
    for group in opt.param_groups:
        group['lr'] = lr_at(step)
    x, y = batch(train, gen)
    _, loss = gpt_model.forward(params, cfg, x, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params.values(), 1.0)
    opt.step()
    if (step + 1) % 100 == 0:
        print(f'step {step + 1} loss {loss.item():.4f}', file=sys.stderr)
seconds = time.time() - started
# The whole validation split in non-overlapping windows of context + 1 tokens (the same
# windows tools/eval-val.ts uses for a Tessera checkpoint), mean over all predicted tokens.
windows = (len(val) - 1) // args.context
total, count = 0.0, 0
with torch.no_grad():
    for start in range(0, windows, 16):
        idx = range(start, min(windows, start + 16))
        x = torch.stack([val[w * args.context:(w + 1) * args.context] for w in idx])
        y = torch.stack([val[w * args.context + 1:(w + 1) * args.context + 1] for w in idx])
        _, loss = gpt_model.forward(params, cfg, x, y)
        total += loss.item() * x.numel()
        count += x.numel()
print(json.dumps({'library': 'pytorch', 'steps': args.steps, 'valLoss': total / count, 'valTokens': count, 'seconds': seconds}))
