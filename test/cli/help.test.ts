// `keyfob --version`, and `--help` of every command `keyfob --help` lists: exit 0 with a usage on
// stdout. The lean commands (routed past yargs by bin/keyfob.cjs) print their own, without yargs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYFOB_BIN } from '../helpers/keyfob.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const LEAN = ['assume', 'exec', 'shell-init', 'credential-process'];

// A module hook that refuses to resolve yargs, to prove a path never loads it.
const hooks = mkdtempSync(join(tmpdir(), 'kf-help-'));
writeFileSync(
  join(hooks, 'hook.mjs'),
  "export async function resolve(spec, ctx, next) { if (/^yargs(\\/|$)/.test(spec)) throw new Error('yargs loaded'); return next(spec, ctx); }\n",
);
writeFileSync(join(hooks, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(hooks, 'hook.mjs')).href)});\n`);

function keyfob(args: string[], opts: { noYargs?: boolean } = {}) {
  const node = opts.noYargs ? ['--import', pathToFileURL(join(hooks, 'register.mjs')).href] : [];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: hooks, KEYFOB_HOME: join(hooks, 'kf') };
  return spawnSync(process.execPath, [...node, KEYFOB_BIN, ...args], { encoding: 'utf8', env, timeout: 30_000 });
}

/** The commands as the CLI lists them in `keyfob --help`. */
function listedCommands(): string[] {
  const help = keyfob(['--help']);
  expect(help.status).toBe(0);
  return [...help.stdout.matchAll(/^ {2}keyfob ([a-z][a-z-]*)/gm)].map((m) => m[1]!);
}

describe('keyfob --version and --help', () => {
  afterAll(() => rmSync(hooks, { recursive: true, force: true }));

  it('--version prints the package version and exits 0', () => {
    const r = keyfob(['--version']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${VERSION}\n`, '']);
  });

  const commands = listedCommands();

  it('--help lists every command, the lean ones too', () => {
    expect(commands).toEqual(expect.arrayContaining(['login', 'populate', 'doctor', 'completion', ...LEAN]));
    expect(commands.length).toBeGreaterThanOrEqual(14);
  });

  it.each(commands)('keyfob %s --help exits 0 with its usage', (command) => {
    const r = keyfob([command, '--help']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`^(usage: )?(keyfob )?${command}\\b`));
  });

  it.each(LEAN)('keyfob %s --help never loads yargs', (command) => {
    const r = keyfob([command, '--help'], { noYargs: true });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  it('the yargs hook would catch yargs (the check above can fail)', () => {
    const r = keyfob(['login', '--help'], { noYargs: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('yargs loaded');
  });
});
