"""The GPT-2 architecture as Tessera defines it, in plain PyTorch: the oracle for
src/nn/gpt.ts. Weights use Hugging Face GPT-2 names and layouts (Conv1D weights are
[in, out], y = x @ W + b); the output head is tied to wte."""
import math

import torch
import torch.nn.functional as F


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def causal_attention(q, k, v):
    T, D = q.shape[-2], q.shape[-1]
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    att = att.masked_fill(~mask, float('-inf'))
    return F.softmax(att, dim=-1) @ v


def param_shapes(cfg):
    V, Tmax, C, L = cfg['vocab_size'], cfg['context_length'], cfg['embed_dim'], cfg['num_layers']
    shapes = {'wte.weight': (V, C), 'wpe.weight': (Tmax, C)}
    for i in range(L):
        p = f'h.{i}.'
        shapes.update({
            p + 'ln_1.weight': (C,), p + 'ln_1.bias': (C,),
            p + 'attn.c_attn.weight': (C, 3 * C), p + 'attn.c_attn.bias': (3 * C,),
            p + 'attn.c_proj.weight': (C, C), p + 'attn.c_proj.bias': (C,),
            p + 'ln_2.weight': (C,), p + 'ln_2.bias': (C,),
            p + 'mlp.c_fc.weight': (C, 4 * C), p + 'mlp.c_fc.bias': (4 * C,),
            p + 'mlp.c_proj.weight': (4 * C, C), p + 'mlp.c_proj.bias': (C,),
        })
    shapes.update({'ln_f.weight': (C,), 'ln_f.bias': (C,)})
    return shapes


def forward(params, cfg, tokens, targets=None):
    """tokens, targets: int64 [B, T]. Returns (logits [B, T, V], mean cross-entropy or None)."""
    B, T = tokens.shape
    C, H = cfg['embed_dim'], cfg['num_heads']
    x = params['wte.weight'][tokens] + params['wpe.weight'][:T]
    for i in range(cfg['num_layers']):
        p = lambda n: params[f'h.{i}.{n}']
        h = F.layer_norm(x, (C,), p('ln_1.weight'), p('ln_1.bias'), 1e-5)
        qkv = h @ p('attn.c_attn.weight') + p('attn.c_attn.bias')
        q, k, v = qkv.split(C, dim=-1)
        heads = lambda t: t.view(B, T, H, C // H).transpose(1, 2)
        y = causal_attention(heads(q), heads(k), heads(v)).transpose(1, 2).contiguous().view(B, T, C)
        x = x + (y @ p('attn.c_proj.weight') + p('attn.c_proj.bias'))
        h = F.layer_norm(x, (C,), p('ln_2.weight'), p('ln_2.bias'), 1e-5)
        h = gelu_tanh(h @ p('mlp.c_fc.weight') + p('mlp.c_fc.bias'))
        x = x + (h @ p('mlp.c_proj.weight') + p('mlp.c_proj.bias'))
    x = F.layer_norm(x, (C,), params['ln_f.weight'], params['ln_f.bias'], 1e-5)
    logits = x @ params['wte.weight'].T
    loss = None if targets is None else F.cross_entropy(logits.view(B * T, -1), targets.reshape(-1))
    return logits, loss
