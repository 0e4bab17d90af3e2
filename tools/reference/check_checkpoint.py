"""Loads a Tessera checkpoint (safetensors, Hugging Face GPT-2 names) into the PyTorch model of
gpt_model.py and prints the mean cross-entropy on a batch file (`tokens`, `targets`, I32).
Shows that Tessera checkpoints are usable outside Tessera.

  /usr/bin/python3 tools/reference/check_checkpoint.py CHECKPOINT BATCH
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import gpt_model  # noqa: E402
import safetensors_io  # noqa: E402

tensors, metadata = safetensors_io.read(sys.argv[1])
batch, _ = safetensors_io.read(sys.argv[2])
model = json.loads(metadata['config'])['model']
cfg = {'vocab_size': model['vocabSize'], 'context_length': model['contextLength'], 'embed_dim': model['embedDim'],
       'num_layers': model['numLayers'], 'num_heads': model['numHeads']}
params = {name: torch.from_numpy(tensors[name]) for name in gpt_model.param_shapes(cfg)}
tokens = torch.from_numpy(batch['tokens']).long()
targets = torch.from_numpy(batch['targets']).long()
with torch.no_grad():
    _, loss = gpt_model.forward(params, cfg, tokens, targets)
print(json.dumps({'loss': loss.item(), 'format': metadata.get('format')}))
