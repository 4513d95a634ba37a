// The fault suite, environment half (issue 7): the keychain missing or locked, the daemon killed
// mid-request, a stale socket file, a disk that fills during a config write. Each ends in a
// retry that succeeds or one line that names the fix, and nothing is lost or half-written.
// The upstream half (faults injected on the emulator) is faults.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, KEYFOB_BIN, keyfobHome, profileSection, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { waitFor } from '../helpers/waitFor.js';
import { daemonPid } from '../helpers/daemonChildren.js';

const SESSION = 'd-9067c0ffee';
const QA = '321098765432';
const PROFILE = 'QA/ReadOnlyAccess';
const KEYCHAIN_FIX = 'unlock it, or set KEYFOB_KEYRING=memory to keep tokens in daemon memory only';


const opened: { emulator: RunningEmulator; homes: KeyfobHome[] }[] = [];
afterAll(async () => {
  for (const { emulator, homes } of opened) {
    for (const home of homes) await home.cleanup();
    await emulator.close();
  }
});

async function newEmulator(): Promise<{ emulator: RunningEmulator; homes: KeyfobHome[] }> {
  const entry = { emulator: await startTestEmulator({ autoApprove: true }), homes: [] as KeyfobHome[] };
  opened.push(entry);
  return entry;
}

const login = (emulator: RunningEmulator, home: KeyfobHome) => runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
const calls = async (emulator: RunningEmulator): Promise<Record<string, number>> => (await adminCall(emulator, 'stats')).body.calls;
const socketPath = (home: KeyfobHome) => join(home.env.KEYFOB_HOME, 'run', 'daemon.sock');

/** Run a sh script inside its own D-Bus session; resolves with its exit code. */
function inDbusSession(script: string, env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('dbus-run-session', ['--', 'sh', script], { env, stdio: 'ignore' });
    child.on('close', resolve);
  });
}

/** The error code of connecting to a Unix socket, or undefined when something answers. */
function connectError(path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

/** No file under the home holds anything shaped like a token or a client secret. */
function expectNoSecretsUnder(dir: string): void {
  for (const file of filesUnder(dir)) {
    const text = readFileSync(file, 'utf8');
    expect(text, file).not.toMatch(/"accessToken"|"refreshToken"|"clientSecret"|aoa[A-Za-z0-9]{20,}|aor[A-Za-z0-9]{20,}|eyJraWQi/);
  }
}

describe('environment faults', () => {
  it.concurrent('no keychain (no D-Bus session bus): login fails in one line naming KEYFOB_KEYRING=memory, and nothing secret is written', async () => {
    const { emulator, homes } = await newEmulator();
    const home = keyfobHome(emulator, { KEYFOB_KEYRING: 'keychain', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
    homes.push(home);
    const r = await login(emulator, home);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^keyfob: the OS keychain is not available \\([^\\n]+\\); ${KEYCHAIN_FIX}\\n$`));
    // The keychain is read before anything is asked of IAM Identity Center: no client, no token exists.
    const stats = await calls(emulator);
    expect(stats.RegisterClient ?? 0).toBe(0);
    expect(stats.CreateToken ?? 0).toBe(0);
    expectNoSecretsUnder(home.dir);
    // What is on disk: the config as it was (login writes it only after a sign-in works), and the daemon's own files.
    expect(readFileSync(home.configFile, 'utf8')).toBe('');
    const files = filesUnder(home.dir).map((f) => f.slice(home.dir.length + 1)).sort();
    expect(files).toEqual(['.aws/config', 'kf/daemon.log', 'kf/daemon.pid'].sort());
    // The fix the line names works.
    expect((await runKeyfob(['daemon', 'stop'], home.env)).code).toBe(0);
    home.env.KEYFOB_KEYRING = 'memory';
    expect((await login(emulator, home)).code).toBe(0);
  });

  it.concurrent('a locked keychain (gnome-keyring with no unlocked collection, no prompt possible): one line naming KEYFOB_KEYRING=memory', async (ctx) => {
    requirePart(ctx, 'keychain');
    const { emulator, homes } = await newEmulator();
    const home = keyfobHome(emulator, { KEYFOB_KEYRING: 'keychain', KEYFOB_KEYCHAIN_TIMEOUT_MS: '5000' });
    homes.push(home);
    const out = join(home.dir, 'out');
    const script = join(home.dir, 'locked.sh');
    const kf = `'${process.execPath}' '${KEYFOB_BIN}'`;
    writeFileSync(
      script,
      [
        // Started, but never unlocked: the keyring can only be opened through a prompt, and there is no display.
        'gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1',
        `${kf} login --start-url ${emulator.startUrl} --sso-region ${emulator.region} > '${out}.stdout' 2> '${out}.stderr'`,
        `echo $? > '${out}.code'`,
        `${kf} daemon stop >/dev/null 2>&1`,
      ].join('\n'),
    );
    const started = Date.now();
    expect(await inDbusSession(script, home.env)).toBe(0);
    expect(readFileSync(`${out}.code`, 'utf8').trim()).toBe('1');
    expect(readFileSync(`${out}.stderr`, 'utf8')).toMatch(new RegExp(`^keyfob: the OS keychain is not available \\([^\\n]+\\); ${KEYCHAIN_FIX}\\n$`));
    expect(Date.now() - started).toBeLessThan(20_000); // bounded by KEYFOB_KEYCHAIN_TIMEOUT_MS even if a prompt hung
    expect((await calls(emulator)).CreateToken ?? 0).toBe(0);
    expectNoSecretsUnder(home.dir);
  });

  it.concurrent('the daemon SIGKILLed mid-request: the client starts a new one and retries once, and it succeeds', async (ctx) => {
    requirePart(ctx, 'keychain');
    const { emulator, homes } = await newEmulator();
    // A real keychain, so the restarted daemon still has the sign-in (with KEYFOB_KEYRING=memory it
    // would not; test/daemon/faults.test.ts covers that case).
    const home = keyfobHome(emulator, { KEYFOB_KEYRING: 'keychain' });
    homes.push(home);
    writeFileSync(home.configFile, `[sso-session ${SESSION}]\nsso_start_url = ${emulator.startUrl}\nsso_region = ${emulator.region}\n\n${profileSection(PROFILE, SESSION, QA, 'ReadOnlyAccess')}`);
    const out = join(home.dir, 'out');
    const pidFile = join(home.env.KEYFOB_HOME, 'daemon.pid');
    const kf = `'${process.execPath}' '${KEYFOB_BIN}'`;
    const script = join(home.dir, 'killed.sh');
    writeFileSync(
      script,
      [
        'echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
        `${kf} login > '${out}.login' 2>&1 || exit 3`,
        `${kf} credential-process --profile '${PROFILE}' > '${out}.stdout' 2> '${out}.stderr'`,
        `echo $? > '${out}.code'`,
        `head -n 1 '${pidFile}' > '${out}.pid'`,
        `${kf} daemon stop >/dev/null 2>&1`,
      ].join('\n'),
    );
    // The first GetRoleCredentials takes 5 s: the daemon is killed while it waits.
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', latencyMs: 5_000, count: 1 });
    const finished = inDbusSession(script, home.env);
    await waitFor(() => emulator.state.calls.get('GetRoleCredentials'), { timeoutMs: 30_000, what: 'the daemon to call GetRoleCredentials' });
    expect(emulator.state.calls.get('GetRoleCredentials')).toBe(1);
    const killed = daemonPid(home.env.KEYFOB_HOME!);
    process.kill(killed, 'SIGKILL');
    expect(await finished).toBe(0);

    expect(readFileSync(`${out}.stderr`, 'utf8')).toBe('');
    expect(readFileSync(`${out}.code`, 'utf8').trim()).toBe('0');
    expect(JSON.parse(readFileSync(`${out}.stdout`, 'utf8')).AccountId).toBe(QA);
    const restarted = Number(readFileSync(`${out}.pid`, 'utf8'));
    expect(restarted).toBeGreaterThan(0);
    expect(restarted).not.toBe(killed);
    // One interrupted call and one retry; the sign-in itself was not repeated.
    const stats = await calls(emulator);
    expect(stats.GetRoleCredentials).toBe(2);
    expect(stats.StartDeviceAuthorization).toBe(1);
  });

  it.concurrent('a dead socket and a stale pid file left behind: the next command starts a daemon that replaces them', async () => {
    const { emulator, homes } = await newEmulator();
    const home = keyfobHome(emulator);
    homes.push(home);
    const sock = socketPath(home);
    mkdirSync(dirname(sock), { recursive: true, mode: 0o700 });
    // A socket nobody listens on (its process exited without removing it), and the pid of a dead process.
    const dead = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.exit(0))`]);
    expect(dead.status).toBe(0);
    expect(lstatSync(sock).isSocket()).toBe(true);
    expect(await connectError(sock)).toBe('ECONNREFUSED');
    writeFileSync(join(home.env.KEYFOB_HOME, 'daemon.pid'), String(dead.pid));

    const r = await login(emulator, home);
    expect(r.stderr).not.toMatch(/keyfob:/);
    expect(r.code).toBe(0);
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.daemon.socket).toBe(sock);
    expect(status.daemon.pid).not.toBe(dead.pid);
    expect(daemonPid(home.env.KEYFOB_HOME!)).toBe(status.daemon.pid);
    expect(lstatSync(sock).isSocket()).toBe(true);
    expect(await connectError(sock)).toBe(undefined); // someone answers there now
    expect(lstatSync(sock).mode & 0o777).toBe(0o600);
  });

  it.concurrent('a regular file where the socket goes: refused in one line naming the fix, and the file is left alone', async () => {
    const { emulator, homes } = await newEmulator();
    const home = keyfobHome(emulator);
    homes.push(home);
    const sock = socketPath(home);
    mkdirSync(dirname(sock), { recursive: true, mode: 0o700 });
    writeFileSync(sock, 'not a socket\n');
    const r = await login(emulator, home);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `keyfob: refusing the keyfob socket ${sock}: it is not a socket; remove it, or set KEYFOB_SOCKET to a path in a directory only you can write\n`,
    );
    // keyfob deletes only sockets: a file could be anything (KEYFOB_SOCKET may point anywhere).
    expect(readFileSync(sock, 'utf8')).toBe('not a socket\n');
    expect(existsSync(join(home.env.KEYFOB_HOME, 'daemon.pid'))).toBe(false);
    // The fix as named.
    rmSync(sock);
    expect((await login(emulator, home)).code).toBe(0);
    expect(lstatSync(sock).isSocket()).toBe(true);
  });

  it.concurrent('the disk fills during populate\'s config write (ulimit -f): one line, the config byte-identical, no temp file left', async () => {
    const { emulator, homes } = await newEmulator();
    const home = await signedInHome(emulator); // its daemon runs without the limit
    homes.push(home);
    const before = readFileSync(home.configFile, 'utf8');
    // 1 KiB per file: the listing succeeds, the backup of the small config fits, the populated config does not.
    const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', `ulimit -f 1; exec '${process.execPath}' '${KEYFOB_BIN}' populate`], { env: home.env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    expect(r.signal).toBe(null); // not killed by SIGXFSZ: the write fails with EFBIG and is reported
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`keyfob: could not write ${home.configFile} (EFBIG); the file was left unchanged; free some disk space (or raise the file-size limit) and run it again\n`);
    expect(readFileSync(home.configFile, 'utf8')).toBe(before);
    expect(readdirSync(dirname(home.configFile)).sort()).toEqual(['config', 'config.keyfob-backup']);
    // With room again, populate writes everything.
    const again = await runKeyfob(['populate'], home.env);
    expect(again.stdout).toMatch(/^16 profiles \(16 added, 0 updated, 0 removed, 0 skipped\)/);
  });
});
