"""Writes the PyTorch golden vectors that test/tensor/golden.test.ts compares against.

Run from the repo root:  /usr/bin/python3 tools/reference/gen_golden.py
(Debian's python3-torch). Output: test/golden/ops.safetensors and test/golden/gpt2l.safetensors.
Inputs come from a seeded torch generator; every case stores its inputs, the upstream
gradient `gout`, the output and the gradient of each differentiable input, all float32.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import gpt_model  # noqa: E402
import safetensors_io  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden')
torch.set_num_threads(1)
gen = torch.Generator().manual_seed(20261122)


def randn(*shape, scale=1.0):
    return torch.randn(tuple(shape), generator=gen, dtype=torch.float32) * scale


def positive(*shape):
    return torch.rand(tuple(shape), generator=gen, dtype=torch.float32) * 3 + 0.25


def ints(high, *shape):
    return torch.randint(0, high, shape, generator=gen, dtype=torch.int64)


tensors, cases = {}, []


def case(name, fn, *inputs):
    """inputs: float tensors (differentiable) or int64 tensors (indices, stored as int32)."""
    args = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    out = fn(*args)
    gout = randn(*out.shape)
    out.backward(gout)
    for i, t in enumerate(args):
        tensors[f'{name}.in{i}'] = t.detach().numpy().astype(np.float32 if t.is_floating_point() else np.int32)
        if t.is_floating_point():
            tensors[f'{name}.grad{i}'] = t.grad.numpy()
    tensors[f'{name}.out'] = out.detach().numpy()
    tensors[f'{name}.gout'] = gout.numpy()
    cases.append({'name': name, 'inputs': len(args)})


def op_cases():
    case('add_broadcast', lambda a, b: a + b, randn(3, 4, 5), randn(4, 1))
    case('sub_broadcast', lambda a, b: a - b, randn(5), randn(3, 5))
    case('mul_broadcast', lambda a, b: a * b, randn(2, 3, 4), randn(3, 1))
    case('div', lambda a, b: a / b, randn(4, 6), positive(4, 6))
    case('neg', lambda a: -a, randn(17))
    case('exp', torch.exp, randn(40, scale=3))
    case('log', torch.log, positive(40))
    case('tanh', torch.tanh, randn(40, scale=2))
    case('sqrt', torch.sqrt, positive(40))
    case('rsqrt', torch.rsqrt, positive(40))
    case('erf', torch.erf, randn(40, scale=1.5))
    case('maximum', torch.maximum, randn(6, 7), randn(7))
    case('sum_axes02', lambda x: x.sum(dim=(0, 2)), randn(3, 4, 37))
    case('sum_all', lambda x: x.sum(), randn(5, 41))
    case('mean_last', lambda x: x.mean(dim=-1), randn(4, 19))
    case('max_last', lambda x: x.max(dim=-1).values, randn(5, 13))
    case('matmul_2d', lambda a, b: a @ b, randn(7, 33), randn(33, 5))
    case('matmul_batched', lambda a, b: a @ b, randn(2, 3, 5, 6), randn(2, 3, 6, 4))
    case('matmul_weight', lambda a, b: a @ b, randn(2, 5, 6), randn(6, 4))
    case('matmul_bcast_batch', lambda a, b: a @ b, randn(2, 1, 5, 6), randn(3, 6, 4))
    case('matmul_transposed', lambda a, b: a.transpose(-2, -1) @ b.transpose(-2, -1), randn(9, 4), randn(3, 9))
    case('views', lambda x, w: x.permute(2, 0, 1)[:, 1:4].reshape(5, -1) * w, randn(4, 6, 5), randn(18))
    case('expand', lambda x: x.expand(3, 4, 5) * torch.arange(60, dtype=torch.float32).reshape(3, 4, 5), randn(4, 1))
    case('gather_rows', lambda t, i: t[i], randn(10, 6), torch.tensor([3, 1, 3, 9, 0, 3, 7]))
    case('where', lambda a, b: torch.where(a > b, a, b * 2), randn(5, 6), randn(6))
    case('softmax', lambda x: F.softmax(x, dim=-1), randn(4, 9, scale=3))
    case('log_softmax', lambda x: F.log_softmax(x, dim=-1), randn(4, 9, scale=3))
    case('cross_entropy', lambda x, t: F.cross_entropy(x, t), randn(6, 11, scale=2), ints(11, 6))
    case('layer_norm', lambda x, w, b: F.layer_norm(x, (8,), w, b, 1e-5), randn(3, 5, 8, scale=2), randn(8) + 1, randn(8))
    case('gelu_tanh', gpt_model.gelu_tanh, randn(64, scale=3))
    case('attention', gpt_model.causal_attention, randn(2, 3, 7, 4), randn(2, 3, 7, 4), randn(2, 3, 7, 4))


def gpt_case():
    cfg = {'vocab_size': 64, 'context_length': 16, 'embed_dim': 32, 'num_layers': 2, 'num_heads': 2}
    B, T = 2, 16
    params = {}
    for name, shape in gpt_model.param_shapes(cfg).items():
        if name.endswith('weight') and len(shape) == 2:
            params[name] = randn(*shape, scale=0.08)
        elif 'ln' in name and name.endswith('weight'):
            params[name] = 1 + randn(*shape, scale=0.1)
        else:
            params[name] = randn(*shape, scale=0.05)  # non-zero biases so their grads are tested
    tokens, targets = ints(64, B, T), ints(64, B, T)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    logits, loss = gpt_model.forward(leaves, cfg, tokens, targets)
    loss.backward()
    params64 = {k: v.double() for k, v in params.items()}
    _, loss64 = gpt_model.forward(params64, cfg, tokens, targets)
    out = {k: v.numpy() for k, v in params.items()}
    out['input.tokens'] = tokens.numpy().astype(np.int32)
    out['input.targets'] = targets.numpy().astype(np.int32)
    out['out.logits'] = logits.detach().numpy()
    out['out.loss'] = loss.detach().numpy().reshape(())
    out['out.loss_f64'] = loss64.detach().numpy().reshape(())
    for k, v in leaves.items():
        out['grad.' + k] = v.grad.numpy()
    meta = {'config': json.dumps({**cfg, 'batch_size': B, 'seq_len': T}), 'torch': torch.__version__}
    safetensors_io.write(os.path.join(OUT_DIR, 'gpt2l.safetensors'), out, meta)
    print(f'gpt2l: loss {loss.item():.8f} (f64 {loss64.item():.10f})')


if __name__ == '__main__':
    os.makedirs(OUT_DIR, exist_ok=True)
    op_cases()
    safetensors_io.write(os.path.join(OUT_DIR, 'ops.safetensors'), tensors,
                         {'cases': json.dumps(cases), 'torch': torch.__version__})
    print(f'ops: {len(cases)} cases, {len(tensors)} tensors')
    gpt_case()
