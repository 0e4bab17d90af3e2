/**
 * Run configs: validation names the bad field, the encoding is strict and canonical, and the
 * run id is the SHA-256 of the manifest [config, initialModel], changing with every field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encode as cborEncode, decode as cborDecode } from 'cborg';
import {
  decodeRunConfig, decodeRunManifest, encodeRunConfig, encodeRunManifest, ProtocolError, runId, validateRunConfig, type RunConfig,
} from '../../src/protocol/index.ts';
import { h, runConfig } from './fixtures.ts';

const malformedAt = (field: string) => (e: unknown): boolean =>
  e instanceof ProtocolError && e.reason === 'malformed' && e.message.includes(`RunConfig.${field}:`);

/** Every leaf of the config with a different valid value. */
function variants(): Array<[string, RunConfig]> {
  const c = runConfig();
  const out: Array<[string, RunConfig]> = [
    ['name', { ...c, name: 'other' }], ['seed', { ...c, seed: 2 }], ['batchSize', { ...c, batchSize: 5 }], ['H', { ...c, H: 21 }],
    ['innerLr', { ...c, innerLr: 3.0000001e-3 }], ['warmupSteps', { ...c, warmupSteps: 0 }], ['rounds', { ...c, rounds: 11 }],
    ['errorFeedback', { ...c, errorFeedback: false }], ['minPeers', { ...c, minPeers: 1 }], ['maxPeers', { ...c, maxPeers: 65 }],
    ['trainSeconds', { ...c, trainSeconds: 120.5 }], ['heartbeatSeconds', { ...c, heartbeatSeconds: 2 }],
    ['evictAfterSeconds', { ...c, evictAfterSeconds: 7 }], ['codec.k', { ...c, codec: { name: 'dct-topk', k: 33 } }],
    ['codec.name', { ...c, codec: { name: 'fp16' } }], ['corpus.name', { ...c, corpus: { ...c.corpus, name: 'x' } }],
    ['corpus.sha256', { ...c, corpus: { ...c.corpus, sha256: h('other') } }],
  ];
  for (const k of Object.keys(c.model) as Array<keyof RunConfig['model']>) {
    out.push([`model.${k}`, { ...c, model: { ...c.model, [k]: k === 'embedDim' ? 256 : k === 'numHeads' ? 8 : c.model[k] + 1 } }]);
  }
  for (const [k, v] of [['lr', 0.8], ['momentum', 0.5], ['nesterov', false]] as const) out.push([`outer.${k}`, { ...c, outer: { ...c.outer, [k]: v } }]);
  return out;
}

test('the run id is SHA-256 of the manifest, stable across calls', () => {
  const c = runConfig();
  const id = runId(c, h('init'));
  assert.equal(id, runId(runConfig(), h('init')));
  assert.equal(id, createHash('sha256').update(encodeRunManifest(c, h('init'))).digest('hex'));
  // The manifest is the array [config map with v, initialModel].
  const raw = cborDecode(encodeRunManifest(c, h('init'))) as unknown[];
  assert.equal(raw.length, 2);
  assert.deepEqual(raw[0], cborDecode(encodeRunConfig(c)));
  assert.equal(raw[1], h('init'));
});

test('the run id changes with every field and with the initial model', () => {
  const base = runId(runConfig(), h('init'));
  const seen = new Set([base, runId(runConfig(), h('init2'))]);
  for (const [field, config] of variants()) {
    validateRunConfig(config);
    const id = runId(config, h('init'));
    assert.ok(!seen.has(id), `changing ${field} did not change the id`);
    seen.add(id);
  }
  assert.equal(seen.size, variants().length + 2);
});

test('configs and manifests round-trip', () => {
  for (const [, config] of variants()) {
    assert.deepEqual(decodeRunConfig(encodeRunConfig(config)), config);
    assert.deepEqual(decodeRunManifest(encodeRunManifest(config, h('m'))), { config, initialModel: h('m') });
  }
});

test('a config with an extra or a missing field, at any depth, is refused', () => {
  const raw = cborDecode(encodeRunConfig(runConfig())) as Record<string, Record<string, unknown>>;
  const refuse = (value: unknown): void => assert.throws(() => decodeRunConfig(cborEncode(value)), (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed');
  refuse({ ...raw, extra: 1 });
  refuse({ ...raw, model: { ...raw['model'], dropout: 0 } });
  refuse({ ...raw, codec: { name: 'int8', k: 3 } });
  for (const key of Object.keys(raw)) {
    const { [key]: _, ...rest } = raw;
    refuse(rest);
  }
  for (const key of ['outer', 'model', 'corpus'] as const) {
    for (const inner of Object.keys(raw[key]!)) {
      const { [inner]: _, ...rest } = raw[key]!;
      refuse({ ...raw, [key]: rest });
    }
  }
  const manifest = cborDecode(encodeRunManifest(runConfig(), h('m'))) as unknown[];
  for (const bad of [[manifest[0]], [...manifest, 1], [manifest[0], 'ab'], [{ ...(manifest[0] as object), extra: 1 }, manifest[1]], { config: manifest[0] }]) {
    assert.throws(() => decodeRunManifest(cborEncode(bad)), (e: unknown) => e instanceof ProtocolError && e.reason === 'malformed');
  }
});

test('validation names the bad field', () => {
  const c = runConfig();
  const cases: Array<[string, unknown]> = [
    ['name', { ...c, name: '' }], ['H', { ...c, H: 0 }], ['batchSize', { ...c, batchSize: 1.5 }], ['innerLr', { ...c, innerLr: 0 }],
    ['innerLr', { ...c, innerLr: Number.NaN }], ['rounds', { ...c, rounds: 0 }], ['outer.momentum', { ...c, outer: { ...c.outer, momentum: 1 } }],
    ['outer.nesterov', { ...c, outer: { ...c.outer, nesterov: 1 } }], ['model.numHeads', { ...c, model: { ...c.model, numHeads: 0 } }],
    ['codec<dct-topk>.k', { ...c, codec: { name: 'dct-topk', k: 0 } }], ['codec.name', { ...c, codec: { name: 'zstd' } }],
    ['maxPeers', { ...c, maxPeers: 2000 }], ['trainSeconds', { ...c, trainSeconds: 1.0001 }], ['corpus.sha256', { ...c, corpus: { ...c.corpus, sha256: 'x' } }],
    ['seed', { ...c, seed: -1 }], ['errorFeedback', { ...c, errorFeedback: 'yes' }],
  ];
  for (const [field, config] of cases) {
    assert.throws(() => validateRunConfig(config as RunConfig), malformedAt(field.replace('<dct-topk>', '')), field);
  }
  const cross = (config: RunConfig, what: RegExp): void =>
    assert.throws(() => validateRunConfig(config), (e: unknown) => e instanceof ProtocolError && what.test(e.message));
  cross({ ...c, model: { ...c.model, numHeads: 3 } }, /divisible/);
  cross({ ...c, minPeers: 10, maxPeers: 5 }, /maxPeers/);
  cross({ ...c, evictAfterSeconds: 1 }, /evictAfterSeconds/);
});
