"""Summarises peer results (JSON lines, from files or stdin): a table of speed and losses, and each
run's loss trajectory against the PyTorch run of the same preset (max relative difference over
all steps, and at step 0, which must be below 1e-4).
  /usr/bin/python3 tools/bench/peers/compare.py .tmp/bench/results.jsonl
"""
import json
import sys

runs = []
for path in sys.argv[1:] or ['-']:
    with (sys.stdin if path == '-' else open(path)) as f:
        runs += [json.loads(line) for line in f if line.strip().startswith('{')]

def label(r):
    return r['library'] + ('+openblas' if 'libopenblas' in r['notes'] else '')


torch = {}
for r in runs:
    if label(r) == 'pytorch':
        torch.setdefault(r['preset'], r['losses'])

print(f"{'library':16} {'preset':6} {'thr':>3} {'steps':>5} {'ms/step':>9} {'tok/s':>8} {'loss[0]':>9} {'loss[-1]':>9} "
      f"{'rel0 vs torch':>13} {'max rel vs torch':>16} {'peak RSS MiB':>12}")
for r in runs:
    ref = torch.get(r['preset'])
    n = min(len(ref), len(r['losses'])) if ref else 0
    rel = [abs(a - b) / abs(b) for a, b in zip(r['losses'][:n], ref[:n])] if ref else []
    rel0 = f'{rel[0]:.2e}' if rel else '-'
    relmax = f'{max(rel):.2e} ({n})' if rel else '-'
    print(f"{label(r):16} {r['preset']:6} {r['threads']:>3} {r['steps']:>5} {r['msPerStep']:>9.1f} {r['tokensPerSecond']:>8.0f} "
          f"{r['losses'][0]:>9.6f} {r['losses'][-1]:>9.6f} {rel0:>13} {relmax:>16} {r['peakRssBytes'] / 2**20:>12.0f}")
