/**
 * The layer check: src/ is clean, and an import from a later layer is reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findViolations } from '../../tools/check-layers.ts';

test('src/ has no import from a later layer', () => {
  assert.deepEqual(findViolations('src'), []);
});

test('an import from a later layer (or from outside src) is reported with file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-layers-'));
  try {
    for (const layer of ['tensor', 'nn', 'protocol']) mkdirSync(join(dir, layer));
    writeFileSync(join(dir, 'protocol', 'ok.ts'), "import { x } from '../tensor/a.ts';\n");
    writeFileSync(join(dir, 'nn', 'ok.ts'), "import { y } from '../tensor/a.ts';\n");
    writeFileSync(join(dir, 'tensor', 'bad.ts'), "// header\nimport type { Z } from '../nn/ok.ts';\nexport { w } from '../../tools/x.ts';\n");
    const found = findViolations(dir).map((v) => `${v.from}:${v.line}->${v.to}`);
    assert.deepEqual(found.sort(), ['tensor:2->nn', 'tensor:3->(outside src)']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
