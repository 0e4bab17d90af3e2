/**
 * The `tessera` command end to end on a small corpus: train writes its run folder, sample
 * reads the checkpoint back, and bad flags or files get one clear line and a non-zero code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTessera, writeByteLevelBpe } from '../helpers.ts';

const tessera = (...args: string[]): ReturnType<typeof runTessera> => runTessera(args, 120_000);

test('train then sample: metrics, checkpoint, and generated text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  try {
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, readFileSync(new URL('../../data/tinyshakespeare.txt', import.meta.url), 'utf8').slice(0, 50_000));
    const run = join(dir, 'run');
    const t = tessera('train', '--steps', '5', '--stop-at', '3', '--batch-size', '2', '--eval-every', '3', '--eval-batches', '1', '--corpus', corpus, '--out', run, '--threads', '2');
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /unigram baseline/);
    assert.ok(existsSync(join(run, 'checkpoint.safetensors')));
    assert.match(readFileSync(join(run, 'loss.svg'), 'utf8'), /<svg[\s\S]*validation/);
    assert.deepEqual([...readFileSync(join(run, 'loss.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]); // PNG magic
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(lines.filter((l) => 'loss' in l).map((l) => l['step']), [1, 2, 3]);
    assert.equal(lines.filter((l) => 'valLoss' in l).length, 2);
    const s = tessera('sample', '--checkpoint', join(run, 'checkpoint.safetensors'), '--prompt', 'ROMEO:', '--length', '20', '--seed', '3');
    assert.equal(s.code, 0, s.err);
    assert.ok(s.out.startsWith('ROMEO:') && s.out.length > 20);
    // Resume to step 5, and compare with a straight 5-step run: same checkpoint bits.
    const r = tessera('train', '--eval-every', '3', '--eval-batches', '1', '--corpus', corpus, '--out', run, '--resume', join(run, 'checkpoint.safetensors'));
    assert.equal(r.code, 0, r.err);
    const straight = join(dir, 'straight');
    assert.equal(tessera('train', '--steps', '5', '--batch-size', '2', '--eval-every', '3', '--eval-batches', '1', '--corpus', corpus, '--out', straight).code, 0);
    assert.ok(readFileSync(join(run, 'checkpoint.safetensors')).equals(readFileSync(join(straight, 'checkpoint.safetensors'))), 'resumed checkpoint differs from the straight run');
    const again = tessera('sample', '--checkpoint', join(straight, 'checkpoint.safetensors'), '--prompt', 'ROMEO:', '--length', '20', '--seed', '3', '--threads', '1');
    const resumedSample = tessera('sample', '--checkpoint', join(run, 'checkpoint.safetensors'), '--prompt', 'ROMEO:', '--length', '20', '--seed', '3');
    assert.equal(again.out, resumedSample.out, 'the same checkpoint, prompt and seed give the same text at any thread count');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('train and sample with a Hugging Face tokenizer.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  try {
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, 'the cat sat on the mat. '.repeat(400));
    const tokenizer = writeByteLevelBpe(dir);
    const run = join(dir, 'run');
    const t = tessera('train', '--steps', '2', '--batch-size', '2', '--eval-every', '2', '--eval-batches', '1', '--corpus', corpus, '--out', run, '--tokenizer', tokenizer);
    assert.equal(t.code, 0, t.err);
    const manifest = JSON.parse(readFileSync(join(run, 'data', 'manifest.json'), 'utf8')) as { vocabSize: number; tokenizer: string };
    assert.equal(manifest.vocabSize, 261);
    const s = tessera('sample', '--checkpoint', join(run, 'checkpoint.safetensors'), '--prompt', 'the cat', '--length', '5');
    assert.equal(s.code, 0, s.err);
    assert.ok(s.out.startsWith('the cat'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad flags, values and files: one clear line and a non-zero exit code', () => {
  let r = tessera('train', '--bogus');
  assert.equal(r.code, 2);
  assert.match(r.err, /Unknown option '--bogus'/);
  r = tessera('train', '--preset', 'huge');
  assert.equal(r.code, 2);
  assert.match(r.err, /--preset must be tiny or small, got "huge"/);
  r = tessera('train', '--lr', 'fast');
  assert.equal(r.code, 2);
  assert.match(r.err, /--lr must be a positive number, got "fast"/);
  r = tessera('sample');
  assert.equal(r.code, 2);
  assert.match(r.err, /needs --checkpoint/);
  r = tessera('sample', '--checkpoint', '/nonexistent/ckpt.safetensors');
  assert.equal(r.code, 1);
  assert.match(r.err, /CheckpointError: cannot read checkpoint/);
  r = tessera('train', '--corpus', '/nonexistent/corpus.txt', '--out', join(tmpdir(), 'tessera-cli-none'));
  assert.equal(r.code, 1);
  assert.match(r.err, /CorpusError: cannot read corpus/);
  r = tessera('frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"/);
});
