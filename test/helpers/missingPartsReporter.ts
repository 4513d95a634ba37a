// The end of `npm test` on a machine that lacks some real parts (awscli, chromium, a shell, the
// keychain…): which parts were missing, the one `apt-get install` line that brings them, and how many
// tests they held back. Tests note what they skipped in MISSING_PARTS_LOG (requirePart.ts); this
// reporter clears it before the run and reads it after. Under CI a missing part fails instead, so
// there is nothing to list.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';
import { MISSING_PARTS_LOG, PART_PACKAGES, type Part } from './requirePart.js';

interface Noted {
  file: string;
  parts: Part[];
}

export function summarise(noted: Noted[], skippedIn: (file: string) => number): string[] {
  const partsOf = new Map<string, Set<Part>>();
  for (const { file, parts } of noted) for (const part of parts) (partsOf.get(file) ?? partsOf.set(file, new Set()).get(file)!).add(part);
  if (partsOf.size === 0) return [];
  const heldBack = [...partsOf.keys()].reduce((sum, file) => sum + skippedIn(file), 0);
  const parts = [...new Set([...partsOf.values()].flatMap((set) => [...set]))].sort();
  const packages = [...new Set(parts.flatMap((part) => PART_PACKAGES[part]))].sort();
  const lines = [`${heldBack} test${heldBack === 1 ? '' : 's'} skipped: this machine lacks ${parts.join(', ')}.`];
  if (packages.length) lines.push(`To run them: sudo apt-get install -y ${packages.join(' ')}`);
  if (parts.includes('root')) lines.push('The tests that act as a second local user need root (CI runs as root).');
  return lines;
}

export default class MissingPartsReporter implements Reporter {
  onInit(): void {
    rmSync(MISSING_PARTS_LOG, { force: true });
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (!existsSync(MISSING_PARTS_LOG)) return;
    const noted = readFileSync(MISSING_PARTS_LOG, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Noted);
    const skippedIn = (file: string) => {
      const module = testModules.find((m) => m.moduleId === file);
      return module ? [...module.children.allTests()].filter((test) => test.result().state === 'skipped').length : 0;
    };
    const lines = summarise(noted, skippedIn);
    if (lines.length) process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
