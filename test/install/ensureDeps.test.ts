// `npm run demo` and `npm test` set themselves up (scripts/ensure-deps.js): node_modules is held to
// package-lock.json, npm ci runs when they differ (one line says so), and a failed install stops the
// chain with npm's exit status. Also the end of `npm test` where parts are missing: the summary line,
// the apt-get line, and a CI run that fails instead.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installMismatch } from '../../scripts/ensure-deps.js';
import { summarise } from '../helpers/missingPartsReporter.js';

const REPO = new URL('../..', import.meta.url).pathname;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const LOCK = {
  name: 'x',
  lockfileVersion: 3,
  packages: {
    '': { name: 'x', dependencies: { a: '^1.0.0' } },
    'node_modules/a': { version: '1.0.0', integrity: 'sha512-a' },
    'node_modules/b': { version: '2.0.0', integrity: 'sha512-b', dev: true },
    'node_modules/@esbuild/darwin-arm64': { version: '0.28.2', optional: true, os: ['darwin'] },
  },
};
const INSTALLED = {
  name: 'x',
  lockfileVersion: 3,
  packages: { 'node_modules/a': LOCK.packages['node_modules/a'], 'node_modules/b': LOCK.packages['node_modules/b'] },
};

/** A project holding ensure-deps.js, the lockfile, and (unless null) node_modules/.package-lock.json. */
function project(installed: object | null, lock: object = LOCK): string {
  const dir = mkdtempSync(join(tmpdir(), 'kf-deps-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(REPO, 'scripts', 'ensure-deps.js'), join(dir, 'scripts', 'ensure-deps.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
  if (installed) {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify(installed));
  }
  return dir;
}

/** Runs ensure-deps.js with a fake npm that records its arguments and exits `npmExit`. */
function ensure(dir: string, npmExit = 0) {
  const fakeNpm = join(dir, 'fake-npm.cjs');
  writeFileSync(
    fakeNpm,
    `require('fs').writeFileSync(${JSON.stringify(join(dir, 'npm-ran'))}, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }));
     if (${npmExit}) { console.error('npm error the fake install failed'); process.exit(${npmExit}); }`,
  );
  const run = spawnSync(process.execPath, [join(dir, 'scripts', 'ensure-deps.js')], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH, npm_execpath: fakeNpm },
    encoding: 'utf8',
  });
  let npm: { args: string[]; cwd: string } | undefined;
  try {
    npm = JSON.parse(readFileSync(join(dir, 'npm-ran'), 'utf8'));
  } catch {
    npm = undefined;
  }
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, npm };
}

describe('ensure-deps: node_modules held to package-lock.json', () => {
  it('says nothing and runs no npm when what is installed matches (platform builds for elsewhere aside)', () => {
    const dir = project(INSTALLED);
    expect(installMismatch(dir)).toBeUndefined();
    const r = ensure(dir);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '', npm: undefined });
  });

  it.each([
    ['node_modules is missing', null, 'node_modules is missing'],
    ['a package is not installed', { ...INSTALLED, packages: { 'node_modules/a': INSTALLED.packages['node_modules/a'] } }, 'b is not installed'],
    ['a package is at another version', { ...INSTALLED, packages: { ...INSTALLED.packages, 'node_modules/a': { version: '0.9.0', integrity: 'sha512-old' } } }, 'a is 0.9.0, package-lock.json says 1.0.0'],
    ['a package the lockfile dropped', { ...INSTALLED, packages: { ...INSTALLED.packages, 'node_modules/gone': { version: '1.0.0' } } }, 'gone is installed but no longer in package-lock.json'],
  ])('runs npm ci once, with one line, when %s', (_what, installed, why) => {
    const dir = project(installed);
    expect(installMismatch(dir)).toBe(why);
    const r = ensure(dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`keyfob: ${why}; running npm ci first (once)\n`);
    expect(r.npm).toEqual({ args: ['ci', '--no-audit', '--no-fund'], cwd: dir });
  });

  it("stops with npm's own error and its exit status when the install fails", () => {
    const r = ensure(project(null), 3);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('npm error the fake install failed');
  });

  it('holds this repository to its own lockfile', () => {
    expect(installMismatch(REPO)).toBeUndefined();
  });
});

describe('the end of npm test, where parts are missing', () => {
  it('lists the parts, the apt-get line that brings them, and how many tests they held back', () => {
    const lines = summarise(
      [
        { file: '/t/a.test.ts', parts: ['zsh', 'fish'] },
        { file: '/t/a.test.ts', parts: ['zsh'] },
        { file: '/t/b.test.ts', parts: ['keychain'] },
      ],
      (file) => ({ '/t/a.test.ts': 5, '/t/b.test.ts': 2 })[file] ?? 0,
    );
    expect(lines).toEqual([
      '7 tests skipped: this machine lacks fish, keychain, zsh.',
      'To run them: sudo apt-get install -y dbus fish gnome-keyring libsecret-tools zsh',
    ]);
    expect(summarise([], () => 0)).toEqual([]);
  });

  // A real vitest run of one file with zsh hidden: it passes with the summary; under CI it fails.
  it.each([
    ['passes and ends with the summary', undefined],
    ['fails under CI', 'true'],
  ])('a run with a part hidden %s', (_what, ci) => {
    const dir = mkdtempSync(join(tmpdir(), 'kf-parts-'));
    dirs.push(dir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KEYFOB_TEST_HIDE_PARTS: 'zsh',
      KEYFOB_TEST_PARTS_LOG: join(dir, 'parts.jsonl'),
    };
    delete env.CI;
    if (ci) env.CI = ci;
    const run = spawnSync(
      process.execPath,
      [join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/shell/completion.test.ts', '-t', 'zsh', `--outputFile.json=${join(dir, 'report.json')}`],
      { cwd: REPO, env, encoding: 'utf8', timeout: 120_000 },
    );
    if (ci) {
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('a part the test needs is missing, and CI must have it');
    } else {
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/\n[1-9]\d* tests? skipped: this machine lacks zsh\.\nTo run them: sudo apt-get install -y zsh\n/);
    }
  });
});
