// Child processes cannot import TypeScript (vitest transpiles only in its own process), so
// tests that need real separate processes compile the modules they use with tsc into a
// private temp dir. A node_modules link there lets the output resolve the project's packages.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const projectRoot = resolve(import.meta.dirname, '..', '..');

export interface CompiledModules {
  /** Directory holding config/, store/, errors.js ... mirroring src/. */
  outDir: string;
  cleanup(): void;
}

export function compileForChild(entries: string[]): CompiledModules {
  const dir = mkdtempSync(join(tmpdir(), 'keyfob-compiled-'));
  const outDir = join(dir, 'out');
  symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  execFileSync(
    process.execPath,
    [
      join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--outDir', outDir,
      '--rootDir', join(projectRoot, 'src'),
      '--module', 'NodeNext',
      '--moduleResolution', 'NodeNext',
      '--target', 'ES2022',
      '--strict',
      '--skipLibCheck',
      '--esModuleInterop',
      '--types', 'node',
      ...entries.map((e) => join(projectRoot, e)),
    ],
    { cwd: projectRoot, stdio: 'pipe' },
  );
  return { outDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
