// The keychain store against a REAL Secret Service: gnome-keyring inside dbus-run-session,
// with a private HOME so no real keyring is touched. Runs in child processes because the
// D-Bus session only exists inside dbus-run-session.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileForChild, type CompiledModules } from '../config/compileForChild.js';
import { missingPart, partsPresent } from '../helpers/requirePart.js';

// Skipped where gnome-keyring, dbus or secret-tool is missing; under CI partsPresent throws instead.
const describeKeychain = describe.skipIf(!partsPresent('keychain'));

const CHILD = `
import { execFileSync } from 'node:child_process';
import { openSecretStore } from './store/index.js';

const addonLoaded = () => process.report.getReport().sharedObjects.some((so) => so.endsWith('keytar.node'));
const outcome = {};
const [action] = process.argv.slice(2);
const started = Date.now();
const attempt = async (name, fn) => {
  const t0 = Date.now();
  try {
    outcome[name] = { ok: true, value: await fn(), ms: Date.now() - t0 };
  } catch (err) {
    outcome[name] = { ok: false, name: err.constructor.name, code: err.code, message: err.message, ms: Date.now() - t0 };
  }
};
const lookup = (key) => {
  const r = execFileSync('sh', ['-c', 'secret-tool lookup service keyfob account "$0"; echo " rc=$?"', key]);
  return r.toString();
};

const store = openSecretStore();
outcome.kind = store.kind;
outcome.addonLoadedBeforeUse = addonLoaded();
if (action === 'roundtrip') {
  const key = 'acme-' + process.pid;
  const value = JSON.stringify({ accessToken: 'tok-' + Math.random(), expiresAt: '2030-01-01T00:00:00Z' });
  await attempt('probe', () => store.probe());
  await attempt('getMissing', () => store.get(key));
  await attempt('set', () => store.set(key, value));
  await attempt('get', () => store.get(key));
  outcome.secretTool = lookup(key);
  outcome.expected = value;
  await attempt('overwrite', () => store.set(key, value + '!'));
  await attempt('getOverwritten', () => store.get(key));
  await attempt('delete', () => store.delete(key));
  await attempt('getDeleted', () => store.get(key));
  await attempt('deleteAgain', () => store.delete(key));
  outcome.secretToolAfterDelete = lookup(key);
  outcome.probeLeftovers = lookup('keyfob-probe');
} else {
  await attempt('probe', () => store.probe());
  await attempt('set', () => store.set('acme', '{"x":1}'));
  await attempt('get', () => store.get('acme'));
}
outcome.addonLoadedAfterUse = addonLoaded();
outcome.totalMs = Date.now() - started;
console.log(JSON.stringify(outcome));
process.exit(0);
`;

const NO_ACTIVATION_BUS = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

let compiled: CompiledModules;
let home: string;
let script: string;
let hungBus: Server | undefined;
const hungSockets: Socket[] = [];

beforeAll(async () => {
  if (missingPart('keychain') !== undefined) return; // no set-up for tests that describeKeychain skips
  compiled = compileForChild(['src/store/index.ts', 'src/store/keychainHelper.ts']);
  script = join(compiled.outDir, 'keychain-child.mjs');
  await writeFile(script, CHILD);
  home = await mkdtemp(join(tmpdir(), 'keyfob-keyring-home-'));
  await mkdir(join(home, 'run'), { mode: 0o700 });
  await writeFile(join(home, 'no-activation-bus.conf'), NO_ACTIVATION_BUS);
});

afterAll(async () => {
  for (const socket of hungSockets) socket.destroy();
  await new Promise<void>((resolve) => (hungBus ? hungBus.close(() => resolve()) : resolve()));
  if (home) await rm(home, { recursive: true, force: true });
  compiled?.cleanup();
});

interface Attempt {
  ok: boolean;
  value?: unknown;
  name?: string;
  code?: string;
  message?: string;
  ms: number;
}
type Outcome = Record<string, Attempt> & Record<string, unknown>;

function run(command: string[], extraEnv: Record<string, string> = {}): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    XDG_CACHE_HOME: join(home, 'cache'),
    ...extraEnv,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { env, cwd: compiled.outDir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`child exited ${code} without a result\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

const inSession = (setup: string, action: string, busConfig?: string) =>
  run([
    'dbus-run-session',
    ...(busConfig ? ['--config-file', busConfig] : []),
    '--',
    'sh',
    '-c',
    `${setup} exec "${process.execPath}" "${script}" ${action}`,
  ]);

function expectKeychainError(attempt: Attempt, detail: RegExp) {
  expect(attempt.ok, JSON.stringify(attempt)).toBe(false);
  expect(attempt.name).toBe('KeychainError');
  expect(attempt.code).toBe('KeychainUnavailable');
  expect(attempt.message).toMatch(detail);
  expect(attempt.message).toContain('KEYFOB_KEYRING=memory');
  expect(attempt.ms).toBeLessThan(5_000);
}

describeKeychain('keychain store on gnome-keyring', () => {
  it('stores, reads, overwrites and deletes through the Secret Service', async () => {
    const out = await inSession('echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null;', 'roundtrip');
    expect(out.kind).toBe('keychain');
    // the native addon is only ever loaded by the short-lived helper processes
    expect(out.addonLoadedBeforeUse).toBe(false);
    expect(out.addonLoadedAfterUse).toBe(false);
    expect(out.probe.ok, JSON.stringify(out.probe)).toBe(true);
    expect(out.getMissing).toMatchObject({ ok: true });
    expect(out.getMissing.value).toBeUndefined();
    expect(out.set.ok).toBe(true);
    expect(out.get.value).toBe(out.expected);
    // the secret is really in the keyring, under service "keyfob" and the key as account
    expect(out.secretTool).toBe(`${out.expected} rc=0\n`);
    expect(out.getOverwritten.value).toBe(`${out.expected}!`);
    expect(out.delete.value).toBe(true);
    expect(out.getDeleted.value).toBeUndefined();
    expect(out.deleteAgain.value).toBe(false);
    expect(out.secretToolAfterDelete).toBe(' rc=1\n');
    expect(out.probeLeftovers).toBe(' rc=1\n');
  });

  it('a locked keyring gives KeychainError quickly', async () => {
    // The first test created the login keyring in this HOME; started without --unlock it stays locked.
    const out = await inSession('gnome-keyring-daemon --components=secrets --daemonize >/dev/null;', 'fail');
    expectKeychainError(out.probe, /locked/);
    expectKeychainError(out.set, /locked/);
  });

  it('a session bus with no Secret Service gives KeychainError quickly', async () => {
    const out = await inSession('', 'fail', join(home, 'no-activation-bus.conf'));
    expectKeychainError(out.probe, /org\.freedesktop\.secrets/);
    expectKeychainError(out.get, /org\.freedesktop\.secrets/);
  });

  it('no D-Bus session at all gives KeychainError quickly', async () => {
    const out = await run([process.execPath, script, 'fail'], { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-such-bus')}` });
    expectKeychainError(out.probe, /Could not connect/);
    expectKeychainError(out.get, /Could not connect/);
  });

  it('a native addon that cannot load gives KeychainError, not a crash', async () => {
    // The same compiled store, in a place where @github/keytar cannot be resolved.
    const isolated = join(home, 'no-keytar');
    await cp(compiled.outDir, join(isolated, 'out'), { recursive: true });
    await mkdir(join(isolated, 'node_modules'));
    await writeFile(join(isolated, 'package.json'), '{"type":"module"}\n');
    const out = await run([process.execPath, join(isolated, 'out', 'keychain-child.mjs'), 'fail']);
    expectKeychainError(out.probe, /the keytar native addon failed to load/);
  });

  it('a keychain that never answers times out instead of hanging', async () => {
    const busPath = join(home, 'hung-bus');
    hungBus = createServer((socket) => void hungSockets.push(socket)); // accepts, never replies
    await new Promise<void>((resolve) => hungBus!.listen(busPath, resolve));
    const out = await run([process.execPath, script, 'fail'], {
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${busPath}`,
      KEYFOB_KEYCHAIN_TIMEOUT_MS: '1000',
    });
    expectKeychainError(out.probe, /no answer within 1000 ms/);
    expectKeychainError(out.set, /no answer within 1000 ms/);
    expectKeychainError(out.get, /no answer within 1000 ms/);
    expect(out.totalMs as unknown as number).toBeLessThan(5_000);
  });
});
