/**
 * `tessera experiment` end to end at a toy scale: it runs the experiment's simulations, stores
 * each run, reuses stored runs, writes the table and the loss plot; bad names and flags get a
 * clear line and exit code 2. The INTELLECT-1 projection reproduces the published utilisation
 * from the published all-reduce times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTessera } from '../helpers.ts';

const tessera = (...args: string[]): ReturnType<typeof runTessera> => runTessera(args, 300_000);

test('experiment demo at toy scale: table, stored runs reused, plot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-exp-'));
  try {
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 40_000));
    const args = ['experiment', 'demo', '--steps', '2', '--workers', '2', '--batch-size', '1', '--eval-every', '2', '--eval-batches', '1',
      '--corpus', corpus, '--out', join(dir, 'out'), '--data-dir', join(dir, 'data'), '--threads', '2'];
    const first = tessera(...args);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /\| dp \| data-parallel \| 2 \| 1 \| fp32 \|/);
    assert.match(first.out, /\| demo-dct32 \| DeMo/);
    const md = readFileSync(join(dir, 'out', 'demo.md'), 'utf8');
    assert.match(md, /Targets: /);
    assert.ok(existsSync(join(dir, 'out', 'demo.png')));
    const stored = JSON.parse(readFileSync(join(dir, 'out', 'runs', 'dp.json'), 'utf8')) as { result: { hash: string; bytes: { total: number } } };
    assert.match(stored.result.hash, /^[0-9a-f]{64}$/);
    // A second call reuses the stored runs: no simulation lines, same table.
    const second = tessera(...args);
    assert.equal(second.code, 0, second.err);
    assert.doesNotMatch(second.out, /step 2 val/);
    assert.match(second.out, new RegExp(String(stored.result.bytes.total / 1e6).slice(0, 4)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('experiment list, comm-model, and refusals', () => {
  const list = tessera('experiment', 'list');
  assert.equal(list.code, 0);
  for (const name of ['diloco-h', 'codecs', 'streaming', 'robustness', 'demo']) assert.match(list.out, new RegExp(`^${name} `, 'm'));
  const comm = tessera('experiment', 'comm-model');
  assert.equal(comm.code, 0, comm.err);
  // 38 min of compute per round and the published all-reduce medians give the published utilisation.
  assert.match(comm.out, /\| USA \| 103 s \| 95.7% \| 95.7% \|/);
  assert.match(comm.out, /\| Global \| 469 s \| 83.0% \| 82.9% \|/);
  const bad = tessera('experiment', 'nope');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown experiment "nope"/);
  const badRun = tessera('experiment', 'codecs', '--only', 'dp,what');
  assert.equal(badRun.code, 2);
  assert.match(badRun.err, /unknown run "what"/);
  const badFlag = tessera('experiment', 'codecs', '--steps', '0');
  assert.equal(badFlag.code, 2);
});
