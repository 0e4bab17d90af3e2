/**
 * @file Preloaded by `npm run test:unit` (node --import): picks the default backend for
 * the whole suite from TESSERA_TEST_BACKEND ('wasm', the Node default, or 'reference'), so
 * every engine test runs on both backends.
 */
import { referenceBackend, setDefaultBackend } from '../src/tensor/index.ts';

const choice = process.env['TESSERA_TEST_BACKEND'] ?? 'wasm';
if (choice === 'reference') setDefaultBackend(referenceBackend);
else if (choice !== 'wasm') throw new Error(`TESSERA_TEST_BACKEND must be 'wasm' or 'reference', got '${choice}'`);
