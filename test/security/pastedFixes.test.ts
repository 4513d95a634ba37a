// Every fix keyfob prints as a command to run quotes its paths (quotePosix), so that pasting it
// into sh works where the path has a space (every macOS default: "Application Support") or a
// quote. Each case makes the problem under such a KEYFOB_HOME, takes the command from the one
// line keyfob printed, runs it with sh as printed, and checks it fixed what the line named.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectSocketDir } from '../../src/doctor/socketDir.js';
import { KEYFOB_BIN, runCommand, runKeyfob } from '../helpers/keyfob.js';

/** Runs what the user would paste, with `keyfob` on PATH as installed, and returns its output. */
function paste(command: string, env: Record<string, string>): string {
  return execFileSync('/bin/sh', ['-c', command], { env, encoding: 'utf8' });
}

/** The command after `marker` in a one-line message, up to " (or " or the end of the line. */
function commandIn(line: string, marker: string): string {
  const at = line.lastIndexOf(marker);
  expect(at, line).toBeGreaterThan(-1);
  return line.slice(at + marker.length).replace(/\n$/, '').replace(/ \(or [^']*$/, '');
}

describe('fix texts quote their paths: pasted into sh, they work', () => {
  let base: string;
  let support: string;
  let env: Record<string, string>;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'kf-paste-'));
    // A macOS-like home: a space and a quote on the way.
    support = join(base, "Ann's Library", 'Application Support');
    mkdirSync(support, { recursive: true, mode: 0o755 });
    chmodSync(join(base, "Ann's Library"), 0o755);
    const bin = join(base, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'keyfob'), `#!/bin/sh\nexec '${process.execPath}' '${KEYFOB_BIN}' "$@"\n`, { mode: 0o755 });
    mkdirSync(join(base, '.aws'));
    writeFileSync(join(base, '.aws', 'config'), '', { mode: 0o600 });
    env = {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: base,
      KEYFOB_HOME: join(support, 'keyfob'),
      KEYFOB_KEYRING: 'memory',
      KEYFOB_BROWSER: 'none',
      AWS_CONFIG_FILE: join(base, '.aws', 'config'),
    };
  });
  afterAll(async () => {
    await runKeyfob(['daemon', 'stop'], env).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  });

  it('chmod go-w on a parent other users can write', async () => {
    chmodSync(support, 0o777);
    const refused = await runKeyfob(['daemon', 'run'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`can be written by other users (mode 777); run: chmod go-w '${base}/Ann'\\''s Library/Application Support' (or `);
    paste(commandIn(refused.stderr, 'run: '), env);
    expect(statSync(support).mode & 0o777).toBe(0o755);
  });

  it('chmod 700 on a socket directory other users can write, from the daemon and from doctor', async () => {
    const run = join(env.KEYFOB_HOME, 'run');
    mkdirSync(run, { recursive: true });
    chmodSync(env.KEYFOB_HOME, 0o700);
    chmodSync(run, 0o777);
    const refused = await runKeyfob(['daemon', 'run'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`run: chmod 700 '${base}/Ann'\\''s Library/Application Support/keyfob/run'`);
    paste(commandIn(refused.stderr, 'run: '), env);
    expect(statSync(run).mode & 0o777).toBe(0o700);
    // doctor's warning for a directory others can read.
    chmodSync(run, 0o750);
    const check = inspectSocketDir(env);
    expect(check).toMatchObject({ status: 'warn', fix: `chmod 700 '${base}/Ann'\\''s Library/Application Support/keyfob/run'` });
    paste(check.fix!, env);
    expect(statSync(run).mode & 0o777).toBe(0o700);
  });

  it('chmod go-w on a config file others can write', async () => {
    const config = join(support, 'aws config');
    writeFileSync(config, '[profile p]\nregion = eu-west-1\n');
    chmodSync(config, 0o666);
    const refused = await runKeyfob(['credential-process', '--profile', 'p'], { ...env, AWS_CONFIG_FILE: config });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`run: chmod go-w '${config.replaceAll("'", `'\\''`)}'`);
    paste(commandIn(refused.stderr, 'run: '), env);
    expect(statSync(config).mode & 0o777).toBe(0o644);
  });

  it('ssh -R with a forwarded socket path that has a space', async () => {
    const socket = join(support, 'forwarded', 'daemon.sock');
    const refused = await runKeyfob(['credential-process', '--profile', 'p'], { ...env, KEYFOB_SOCKET: socket, KEYFOB_NO_START: '1' });
    expect(refused.code).toBe(1);
    const command = /\((ssh -R [^\n]*)\)\?/.exec(refused.stderr)?.[1];
    expect(command, refused.stderr).toBeDefined();
    // ssh stands in as a function printing its words: one word, the remote path and the local placeholder.
    expect(paste(`ssh() { printf '%s\\n' "$@"; }; ${command}`, env)).toBe(`-R\n${socket}:LOCAL_SOCKET\n`);
  });

  it('KEYFOB_SOCKET=… keyfob daemon stop, for a daemon already running at another socket', async () => {
    const started = await runKeyfob(['daemon', 'start'], env);
    expect(started.code, started.stderr).toBe(0);
    const other = join(support, 'other place', 'daemon.sock');
    const refused = await runKeyfob(['credential-process', '--profile', 'p'], { ...env, KEYFOB_SOCKET: other });
    expect(refused.code).toBe(1);
    const running = join(env.KEYFOB_HOME, 'run', 'daemon.sock');
    expect(refused.stderr).toContain(`set KEYFOB_SOCKET='${running.replaceAll("'", `'\\''`)}' here`);
    const stop = commandIn(refused.stderr, 'stop that daemon with: ');
    expect(paste(stop, { ...env, KEYFOB_SOCKET: other })).toMatch(/^stopped pid \d+/);
    expect(JSON.parse((await runCommand(process.execPath, [KEYFOB_BIN, 'status', '--json'], { ...env, KEYFOB_NO_START: '1' })).stdout)).toEqual({ daemon: null });
  });
});
