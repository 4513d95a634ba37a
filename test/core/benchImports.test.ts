// The benchmarks import the built product by path, which tsc does not check; a moved module would
// break them only in CI's bench smoke run. Each named import from dist/ must exist.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const BENCH = join(import.meta.dirname, '../../bench');
const IMPORT = /import\s*\{([^}]*)\}\s*from\s*'(\.\.\/dist\/[^']+)'/g;

describe('bench imports from dist/', () => {
  const files = readdirSync(BENCH).filter((f) => f.endsWith('.js'));
  it('finds the benchmarks', () => expect(files.length).toBeGreaterThan(3));
  for (const file of files) {
    it(`${file}: every named import exists`, async () => {
      const source = readFileSync(join(BENCH, file), 'utf8');
      for (const [, names, from] of source.matchAll(IMPORT)) {
        const mod = (await import(pathToFileURL(join(BENCH, from!)).href)) as Record<string, unknown>;
        for (const name of names!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!).filter(Boolean)) {
          expect(mod[name], `${file} imports ${name} from ${from}`).toBeDefined();
        }
      }
    });
  }
});
