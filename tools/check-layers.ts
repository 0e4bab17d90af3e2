/**
 * @file Fails when a layer under src/ imports from a later layer (docs/architecture.md).
 * Run: npx tsx tools/check-layers.ts [srcDir]. Exit code 1 and one line per violation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The layers in dependency order: a layer may import only from itself and earlier ones. */
export const LAYERS = ['tensor', 'nn', 'data', 'optim', 'compress', 'protocol', 'net', 'node', 'cli', 'web'] as const;

/** optim and compress share one level (DESIGN.md layer 4), as do cli and web (layer 8). */
const LEVEL: Record<string, number> = { tensor: 1, nn: 2, data: 3, optim: 4, compress: 4, protocol: 5, net: 6, node: 7, cli: 8, web: 8 };

export interface LayerViolation {
  file: string;
  line: number;
  from: string;
  to: string;
  specifier: string;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield path;
  }
}

function layerOf(srcDir: string, file: string): string | undefined {
  const first = relative(srcDir, file).split(sep)[0];
  return first === '..' ? undefined : first;
}

const IMPORT_RE = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** All imports in `srcDir` that reach into a later (or unknown) layer. */
export function findViolations(srcDir: string): LayerViolation[] {
  const root = resolve(srcDir);
  const violations: LayerViolation[] = [];
  for (const file of sourceFiles(root)) {
    const from = layerOf(root, file);
    if (from === undefined || LEVEL[from] === undefined) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT_RE)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith('.')) continue;
      const to = layerOf(root, resolve(dirname(file), specifier));
      const toLevel = to === undefined ? undefined : LEVEL[to];
      if (toLevel === undefined || toLevel > LEVEL[from]!) {
        const keywordAt = match.index + match[0].search(/\S/);
        const line = text.slice(0, keywordAt).split('\n').length;
        violations.push({ file: relative(process.cwd(), file), line, from, to: to ?? '(outside src)', specifier });
      }
    }
  }
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = findViolations(process.argv[2] ?? 'src');
  for (const v of violations) console.error(`${v.file}:${v.line}: layer '${v.from}' imports '${v.specifier}' from later layer '${v.to}'`);
  if (violations.length > 0) process.exit(1);
  console.log(`layer check: ok (${LAYERS.join(' < ')})`);
}
