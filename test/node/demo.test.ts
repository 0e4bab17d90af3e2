/**
 * The README's main command at a toy scale: `tessera demo` starts a coordinator and trainer
 * processes, kills one and restarts it, and ends with every peer on the same model, a loss
 * plot, the final checkpoint and a sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../bin/tessera.mjs', import.meta.url).pathname;

test('tessera demo: kill, restart, everyone ends on one model', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-'));
  try {
    const out = join(dir, 'demo');
    const r = spawnSync(process.execPath, [BIN, 'demo', '--trainers', '2', '--rounds', '4', '--H', '2', '--kill-after', '1', '--away', '1', '--out', out], { encoding: 'utf8', timeout: 280_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /killing trainer-1 with SIGKILL/);
    assert.match(r.stdout, /restarting trainer-1/);
    assert.match(r.stdout, /every peer holds the same final model \(bit for bit\)/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rounds: number; hashes: Record<string, string> };
    assert.equal(summary.rounds, 4);
    const hashes = Object.values(summary.hashes);
    assert.equal(hashes.length, 3);
    assert.ok(hashes.every((h) => /^[0-9a-f]{64}$/.test(h) && h === hashes[0]));
    for (const f of ['loss.svg', 'loss.png', 'final.safetensors', 'sample.txt', 'coordinator.log', 'trainer-1.log']) assert.ok(existsSync(join(out, f)), f);
    assert.ok(readFileSync(join(out, 'sample.txt'), 'utf8').startsWith('ROMEO:'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
