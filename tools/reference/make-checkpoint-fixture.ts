/**
 * @file Writes the checkpoint round-trip fixture: a small GPT trained 3 steps by Tessera,
 * saved as a checkpoint, plus a batch; then asks PyTorch (check_checkpoint.py) for the loss
 * and records it with the checkpoint's SHA-256 in test/golden/checkpoint-roundtrip.json.
 *   npx tsx tools/reference/make-checkpoint-fixture.ts
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/nn/index.ts';
import { saveCheckpoint } from '../../src/optim/index.ts';
import { fixtureBatch, fixtureState } from '../../test/optim/checkpoint-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-fixture-'));
const ckpt = join(dir, 'ckpt.safetensors');
const batchFile = join(dir, 'batch.safetensors');
saveCheckpoint(ckpt, fixtureState());
const b = fixtureBatch();
writeFileSync(batchFile, writeSafetensors([
  ['tokens', { dtype: 'I32', shape: b.shape, data: b.inputs }],
  ['targets', { dtype: 'I32', shape: b.shape, data: b.targets }],
]));
const out = JSON.parse(execFileSync('/usr/bin/python3', [new URL('./check_checkpoint.py', import.meta.url).pathname, ckpt, batchFile], { encoding: 'utf8' })) as { loss: number };
const record = { checkpointSha256: createHash('sha256').update(readFileSync(ckpt)).digest('hex'), torchLoss: out.loss, torch: '1.13 (Debian)' };
writeFileSync(new URL('../../test/golden/checkpoint-roundtrip.json', import.meta.url), JSON.stringify(record, null, 2) + '\n');
console.log(record);
