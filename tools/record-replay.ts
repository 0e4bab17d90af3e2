/**
 * @file Re-records test/replay/gpt-reference.json. Run only for a deliberate numeric
 * change, and say in the commit why the bits changed: npx tsx tools/record-replay.ts
 */
import { writeFileSync } from 'node:fs';
import { computeReplay, REPLAY_CONFIG, REPLAY_SEED } from '../test/replay/gpt-replay.ts';

const record = computeReplay();
const file = new URL('../test/replay/gpt-reference.json', import.meta.url);
writeFileSync(file, JSON.stringify({ config: REPLAY_CONFIG, seed: REPLAY_SEED, backend: 'reference', ...record }, null, 2) + '\n');
console.log(record);
