// One socket place, three implementations: src/core/paths.ts (every Node client and the daemon),
// shell/locate.sh (the sh front and the bash/zsh shim, run here under dash) and assume.fish. The same
// environments give the same path from all three, on Linux and on a stubbed darwin (the platform
// parameter in TS, a redefined __keyfob_darwin in the shells): macOS ignores XDG_RUNTIME_DIR, and a
// path too long for a socket falls back to /tmp/keyfob-UID-CKSUM/ whatever TMPDIR says (unset under
// env -i, sudo and launchd). Then the real daemon, started with no TMPDIR, listens where the front
// looks; and a daemon already running for this KEYFOB_HOME at another socket is named at once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { posixCksum, socketLocation } from '../../src/core/paths.js';
import { KEYFOB_BIN, runCommand, runKeyfob } from '../helpers/keyfob.js';
import { partsPresent } from '../helpers/requirePart.js';

const ROOT = dirname(dirname(KEYFOB_BIN));
const LOCATE = join(ROOT, 'shell', 'locate.sh');
const FISH = join(ROOT, 'shell', 'assume.fish');
const UID = String(process.getuid?.());
const PLATFORMS = ['linux', 'darwin'] as const;
type Platform = (typeof PLATFORMS)[number];

/** The suffix each platform's default place adds to HOME, and its limit, for the restricted socket (the longer). */
const DEFAULT_TAIL: Record<Platform, string> = {
  linux: '/.local/state/keyfob/run/daemon.restricted.sock',
  darwin: '/Library/Application Support/keyfob/run/daemon.restricted.sock',
};
const LIMIT: Record<Platform, number> = { linux: 107, darwin: 103 };
/** A HOME whose default restricted socket path is exactly `bytes` long on that platform. */
const homeOfLength = (platform: Platform, bytes: number, stem = '/home/') => stem + 'h'.repeat(bytes - DEFAULT_TAIL[platform].length - Buffer.byteLength(stem));

/** locate.sh's answer in `shell` (dash: the sh front; bash and zsh: the shim's copy of it). */
function sh(platform: Platform, env: Record<string, string>, shell = 'dash'): string {
  const stub = platform === 'darwin' ? '__keyfob_darwin() { return 0; }' : '__keyfob_darwin() { return 1; }';
  return execFileSync(shell, ['-c', `. "$0"; ${stub}; __keyfob_locate; printf %s "$__keyfob_sock"`, LOCATE], { env: withPath(env), encoding: 'utf8' });
}

function fish(platform: Platform, env: Record<string, string>): string {
  const stub = platform === 'darwin' ? 'function __keyfob_darwin; true; end' : 'function __keyfob_darwin; false; end';
  return execFileSync('fish', ['--no-config', '-c', `source $argv[1]; ${stub}; printf %s (__keyfob_socket)`, FISH], { env: withPath(env), encoding: 'utf8' });
}

const withPath = (env: Record<string, string>) => ({ PATH: '/usr/bin:/bin', ...env });

describe.skipIf(!partsPresent('bash', 'zsh', 'fish', 'posix-shells'))('the socket place: one rule in TS, sh and fish', () => {
  let scratch: string;
  let xdg: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kf-place-'));
    xdg = join(scratch, 'run-user');
    mkdirSync(xdg, { mode: 0o700 });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Each row: an environment and the path expected on linux and on darwin ('fallback' = /tmp/keyfob-UID-CKSUM). */
  const rows = (): Array<{ name: string; env: Record<string, string>; linux: string; darwin: string }> => {
    const h = '/home/ann';
    const fb = (natural: string) => `/tmp/keyfob-${UID}-${posixCksum(natural)}/daemon.sock`;
    const linuxDefault = (home: string) => `${home}/.local/state/keyfob/run/daemon.sock`;
    const macDefault = (home: string) => `${home}/Library/Application Support/keyfob/run/daemon.sock`;
    const long = `/home/${'x'.repeat(120)}`;
    const fitsLinux = homeOfLength('linux', LIMIT.linux); // exactly at the limit: fits
    const overLinux = homeOfLength('linux', LIMIT.linux + 1); // one byte over
    const fitsMac = homeOfLength('darwin', LIMIT.darwin);
    const overMac = homeOfLength('darwin', LIMIT.darwin + 1);
    // Fits when counted in characters, not in bytes (é is two): the shells must count bytes.
    const accented = `/home/${'é'.repeat(LIMIT.linux - DEFAULT_TAIL.linux.length - 6)}`;
    return [
      { name: 'linux defaults, no XDG_RUNTIME_DIR', env: { HOME: h }, linux: linuxDefault(h), darwin: macDefault(h) },
      { name: 'XDG_RUNTIME_DIR of yours: used on linux, ignored on darwin', env: { HOME: h, XDG_RUNTIME_DIR: xdg }, linux: `${xdg}/keyfob/daemon.sock`, darwin: macDefault(h) },
      { name: 'a relative XDG_RUNTIME_DIR is ignored', env: { HOME: h, XDG_RUNTIME_DIR: 'run/user' }, linux: linuxDefault(h), darwin: macDefault(h) },
      { name: 'XDG_STATE_HOME (linux only)', env: { HOME: h, XDG_STATE_HOME: '/srv/state' }, linux: '/srv/state/keyfob/run/daemon.sock', darwin: macDefault(h) },
      { name: 'KEYFOB_HOME under ~ wins over XDG_RUNTIME_DIR', env: { HOME: h, KEYFOB_HOME: '~/kf', XDG_RUNTIME_DIR: xdg }, linux: `${h}/kf/run/daemon.sock`, darwin: `${h}/kf/run/daemon.sock` },
      { name: 'KEYFOB_SOCKET wins', env: { HOME: h, KEYFOB_SOCKET: '~/s/daemon.sock', KEYFOB_HOME: '/kf' }, linux: `${h}/s/daemon.sock`, darwin: `${h}/s/daemon.sock` },
      { name: 'an over-long HOME, TMPDIR unset', env: { HOME: long }, linux: fb(linuxDefault(long)), darwin: fb(macDefault(long)) },
      { name: 'an over-long HOME, TMPDIR set (ignored)', env: { HOME: long, TMPDIR: '/var/folders/zz/abc/T/' }, linux: fb(linuxDefault(long)), darwin: fb(macDefault(long)) },
      { name: 'an over-long HOME, with XDG_RUNTIME_DIR (linux: the short runtime dir)', env: { HOME: long, XDG_RUNTIME_DIR: xdg }, linux: `${xdg}/keyfob/daemon.sock`, darwin: fb(macDefault(long)) },
      { name: 'an over-long KEYFOB_HOME', env: { HOME: h, KEYFOB_HOME: `/srv/${'k'.repeat(100)}`, TMPDIR: '/elsewhere' }, linux: fb(`/srv/${'k'.repeat(100)}/run/daemon.sock`), darwin: fb(`/srv/${'k'.repeat(100)}/run/daemon.sock`) },
      { name: 'linux: a HOME at the limit fits', env: { HOME: fitsLinux }, linux: linuxDefault(fitsLinux), darwin: fb(macDefault(fitsLinux)) },
      { name: 'linux: a HOME one byte over falls back', env: { HOME: overLinux }, linux: fb(linuxDefault(overLinux)), darwin: fb(macDefault(overLinux)) },
      { name: 'darwin: a HOME at the limit fits', env: { HOME: fitsMac }, linux: linuxDefault(fitsMac), darwin: macDefault(fitsMac) },
      { name: 'darwin: a HOME one byte over falls back', env: { HOME: overMac }, linux: linuxDefault(overMac), darwin: fb(macDefault(overMac)) },
      { name: 'a HOME that fits in characters but not in bytes', env: { HOME: accented, LANG: 'C.UTF-8' }, linux: fb(linuxDefault(accented)), darwin: fb(macDefault(accented)) },
      { name: 'a HOME with a space and a quote', env: { HOME: "/Users/ann o'neil" }, linux: linuxDefault("/Users/ann o'neil"), darwin: macDefault("/Users/ann o'neil") },
    ];
  };

  for (const platform of PLATFORMS) {
    it(`${platform}: every row gives the same path from TS, dash, the bash and zsh shim's copy, and fish, and the one expected`, () => {
      const results = rows().map((row) => ({
        name: row.name,
        expected: row[platform],
        ts: socketLocation(row.env, platform).path,
        sh: sh(platform, row.env),
        bash: sh(platform, row.env, 'bash'),
        zsh: sh(platform, row.env, 'zsh'),
        fish: fish(platform, row.env),
      }));
      for (const r of results) {
        const { expected, ...got } = r;
        expect(got).toEqual({ name: r.name, ts: expected, sh: expected, bash: expected, zsh: expected, fish: expected });
        expect(Buffer.byteLength(r.expected) + '.restricted'.length, r.name).toBeLessThanOrEqual(LIMIT[platform]);
      }
    });
  }

  it('the fallback is named by POSIX cksum, as the shells compute it', () => {
    for (const text of ['', 'abc', '/home/é/x y', 'z'.repeat(70_000)]) {
      expect(posixCksum(text), JSON.stringify(text.slice(0, 20))).toBe(execFileSync('cksum', { input: text, encoding: 'utf8' }).split(' ')[0]);
    }
  });
});

describe.skipIf(!partsPresent('posix-shells', 'curl'))('the socket place: the real daemon', () => {
  let scratch: string;
  let env: Record<string, string>;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kf-place-d-'));
    // A KEYFOB_HOME too deep for a socket, and an environment as bare as launchd's or env -i's: no TMPDIR.
    const deep = join(scratch, 'd'.repeat(60), 'e'.repeat(60));
    mkdirSync(deep, { recursive: true, mode: 0o700 });
    mkdirSync(join(scratch, '.aws'));
    writeFileSync(join(scratch, '.aws', 'config'), '');
    env = { PATH: '/usr/bin:/bin', HOME: scratch, KEYFOB_HOME: deep, KEYFOB_KEYRING: 'memory', KEYFOB_BROWSER: 'none' };
  });
  afterAll(async () => {
    for (const extra of [{}, { KEYFOB_SOCKET: join(scratch, 'other', 'daemon.sock') }] as Record<string, string>[]) await runKeyfob(['daemon', 'stop'], { ...env, ...extra }).catch(() => undefined);
    const fallback = dirname(socketLocation(env).path);
    rmSync(scratch, { recursive: true, force: true });
    rmSync(fallback, { recursive: true, force: true });
  });

  it('started with no TMPDIR, it listens at the fallback the front computes, and the front trusts it', async () => {
    const start = await runKeyfob(['daemon', 'start'], env);
    expect(start.stderr).toBe('');
    const expected = socketLocation(env);
    expect(expected.fallbackFrom).toBe(join(env.KEYFOB_HOME, 'run', 'daemon.sock'));
    expect(start.stdout).toContain(`socket ${expected.path}`);
    const front = await runCommand(
      'dash',
      ['-c', '. "$0/locate.sh"; . "$0/trust.sh"; __keyfob_locate; __keyfob_trusted_socket "$__keyfob_sock" && printf %s "$__keyfob_sock"', join(ROOT, 'shell')],
      env,
    );
    expect(front).toEqual({ code: 0, stdout: expected.path, stderr: '' });
  });

  it('a client looking at another socket is told at once where this KEYFOB_HOME\'s daemon runs', async () => {
    const running = socketLocation(env).path;
    const other = join(scratch, 'other', 'daemon.sock');
    const pid = JSON.parse((await runKeyfob(['status', '--json'], { ...env, KEYFOB_NO_START: '1' })).stdout).daemon.pid;
    const started = Date.now();
    const asked = await runKeyfob(['credential-process', '--profile', 'Any'], { ...env, KEYFOB_SOCKET: other });
    expect(Date.now() - started).toBeLessThan(8_000); // not the 10 s wait for a socket nobody will open
    expect(asked).toEqual({
      code: 1,
      stdout: '',
      stderr: `keyfob: a keyfob daemon is already running, at ${running} (pid ${pid}), not at ${other} where this client looks; set KEYFOB_SOCKET=${running} here, or stop that daemon with: KEYFOB_SOCKET=${running} keyfob daemon stop\n`,
    });
  });
});
