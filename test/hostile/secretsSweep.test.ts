// Secrets sweep (issue 7): after a full run of every command in one home, every token, secret key
// and session token the emulator issued (read from the emulator's own state, not from keyfob's
// output) is searched for in every file under the test HOME (KEYFOB_HOME, the AWS config dir,
// daemon.log at debug level, the shell history of an interactive bash in tmux), and in the
// daemon's /proc/PID/cmdline and environ. None may be found, except in the opt-in AWS CLI token
// cache (`keyfob login --export-to-aws-cli`), and then in exactly that file. Also the modes of the
// socket, its dir, KEYFOB_HOME's files, the config and its backup.
// With the real keychain (gnome-keyring in dbus-run-session), an IAM user's long-term keys (`keyfob
// add`) are searched for in every file under HOME, the argv and environment of every process of
// the test (read from /proc all along the journey), daemon.log and every answer; they must be in
// the keychain and nowhere else.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_SUFFIX } from '../../src/config/configWriter.js';
import { totp } from '../../src/emulator/mfa.js';
import { DEMO_IAM_USER, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, KEYFOB_BIN, keyfobHome, runCommand, runKeyfob, type KeyfobHome, type RunResult } from '../helpers/keyfob.js';
import { AWS_CLI_PATH, requirePart } from '../helpers/requirePart.js';
import { waitFor } from '../helpers/waitFor.js';
import { startTerminal } from '../helpers/tmux.js';

const SESSION = 'd-9067c0ffee';
const PROFILE = 'Experiments/AdministratorAccess';

/** Every secret the emulator has issued so far, with a label that says what it is (never the value). */
function issuedSecrets(emulator: RunningEmulator): Map<string, string> {
  const s = emulator.state;
  const secrets = new Map<string, string>();
  for (const c of s.credentials.values()) {
    secrets.set(c.secretAccessKey, `secret access key of ${c.accessKeyId}`);
    secrets.set(c.sessionToken, `session token of ${c.accessKeyId}`);
  }
  for (const token of s.accessTokens.keys()) secrets.set(token, 'SSO access token');
  for (const token of s.refreshTokens.keys()) secrets.set(token, 'SSO refresh token');
  for (const client of s.clients.values()) secrets.set(client.clientSecret, `client secret of ${client.clientName}`);
  for (const device of s.devices.values()) secrets.set(device.deviceCode, 'device code');
  for (const code of s.authorizationCodes.keys()) secrets.set(code, 'PKCE authorization code');
  for (const token of s.signinTokens.keys()) secrets.set(token, 'console sign-in token');
  for (const id of s.consoleSessions.keys()) secrets.set(id, 'console session cookie');
  return secrets;
}

interface Place {
  name: string;
  bytes: Buffer;
}

function placesOf(home: KeyfobHome, daemonPid: number | undefined): Place[] {
  const places: Place[] = filesUnder(home.dir).map((file) => ({ name: file, bytes: readFileSync(file) }));
  if (daemonPid !== undefined) {
    for (const part of ['cmdline', 'environ']) places.push({ name: `/proc/<daemon>/${part}`, bytes: readFileSync(`/proc/${daemonPid}/${part}`) });
  }
  return places;
}

/** "place: what" for every secret found anywhere. */
function findings(places: Place[], secrets: Map<string, string>): string[] {
  const found: string[] = [];
  for (const place of places) {
    for (const [secret, label] of secrets) if (place.bytes.includes(secret)) found.push(`${place.name}: ${label}`);
  }
  return found;
}

/** The variables a bash assume script exports. */
function exportsOf(script: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of script.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) vars[m[1]] = m[2];
  return vars;
}

async function daemonPid(home: KeyfobHome): Promise<number> {
  const r = await runKeyfob(['status', '--json'], home.env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).daemon.pid;
}

function httpGet(uri: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(uri, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitForFile(file: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('secrets sweep after every command', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  const seen = new Map<string, string>(); // keyfob's own secrets (auto-refresh tokens), from outputs
  let histfile: string;
  let assumedVars: Record<string, string> = {};
  const log: string[] = [];

  const run = async (args: string[], env: Record<string, string> = home.env, ok = true) => {
    const started = Date.now();
    const r = await runKeyfob(args, env, 60_000);
    log.push(`keyfob ${args.join(' ')} → ${r.code} (${Date.now() - started} ms)`);
    if (ok) expect(r.code, `keyfob ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator, { KEYFOB_FEDERATION_URL: `${emulator.url}/federation` });
    rmSync(home.configFile); // keyfob creates the config itself, so its mode is keyfob's doing
    histfile = join(home.dir, '.bash_history');
  });
  afterAll(async () => {
    console.log(`secrets sweep, commands run:\n  ${log.join('\n  ')}`);
    await home?.cleanup();
    await emulator?.close();
  });

  it('finds no issued secret in any file under HOME, the daemon\'s argv and environment, or the shell history', async (ctx) => {
    requirePart(ctx, 'tmux'); // the shell history comes from an interactive bash in a real terminal
    await run(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region]);
    await run(['populate', '--region', 'eu-west-1']);
    await run(['status']);
    await run(['status', '--json']);
    await run(['daemon', 'status']);
    const cp = JSON.parse((await run(['credential-process', '--profile', PROFILE])).stdout);
    expect(cp.SecretAccessKey).toBeTruthy();

    // assume --shell bash: the script is captured here, never written anywhere, and dropped.
    const assumed = await run(['assume', '--shell', 'bash', PROFILE]);
    assumedVars = exportsOf(assumed.stdout);
    expect(assumedVars.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    await run(['exec', PROFILE, '--', 'true']);
    await run(['exec', 'Production/ReadOnlyAccess', '--', 'true']);

    // assume --auto-refresh, then --unset with the environment that assume left behind.
    const auto = await run(['assume', '--shell', 'bash', '--auto-refresh', 'Experiments/ReadOnlyAccess']);
    const autoVars = exportsOf(auto.stdout);
    const token = autoVars.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    seen.set(token, 'auto-refresh bearer token');
    expect(await httpGet(autoVars.AWS_CONTAINER_CREDENTIALS_FULL_URI, { authorization: token })).toBe(200);
    const exported = /^export KEYFOB_EXPORTED='([^']*)'$/m.exec(auto.stdout)?.[1] ?? '';
    await run(['assume', '--shell', 'bash', '--unset'], { ...home.env, ...autoVars, KEYFOB_EXPORTED: exported });
    expect(await httpGet(autoVars.AWS_CONTAINER_CREDENTIALS_FULL_URI, { authorization: token })).toBe(403);

    // The console sign-in URL carries a bearer sign-in token: printed because --url asked, kept nowhere.
    const consoleUrl = (await run(['console', PROFILE, '--url'])).stdout.trim();
    expect(consoleUrl).toMatch(/SigninToken=/);
    await run(['assume', '-c', 'Production/ReadOnlyAccess', '-s', 's3', '--url']);

    await run(['shell-init', 'bash']);
    await run(['completion', 'bash']);
    await run(['assume', '--list-profiles']);
    await run(['doctor'], home.env, false); // its verdict on this machine does not matter here
    await run(['doctor', '--json'], home.env, false);

    // An interactive bash in a real terminal: the shim, assume, history written out.
    const term = await startTerminal(['/usr/bin/bash', '--norc', '--noprofile', '-i'], { ...home.env, HISTFILE: histfile, LANG: 'C.UTF-8' });
    try {
      await term.send(`source <(${KEYFOB_BIN} shell-init bash)`, 'Enter');
      await term.send(`assume ${PROFILE}`, 'Enter');
      await term.waitFor(/keyfob: assumed Experiments\/AdministratorAccess/);
      await term.send('aws_key_length=${#AWS_SECRET_ACCESS_KEY}; echo "KEY-LEN=$aws_key_length"', 'Enter');
      await term.waitFor(/KEY-LEN=40/);
      await term.send('assume --unset; history -a; echo "HIST""DONE"', 'Enter');
      await term.waitFor(/HISTDONE/);
    } finally {
      await term.close();
    }
    const history = readFileSync(histfile, 'utf8');
    expect(history).toContain(`assume ${PROFILE}`);

    const pid = await daemonPid(home);
    const beforeLogout = issuedSecrets(emulator);
    await run(['logout']);
    expect(await daemonPid(home)).toBe(pid);

    const secrets = new Map([...issuedSecrets(emulator), ...seen]);
    for (const [k, v] of beforeLogout) secrets.set(k, v);
    const labels = [...secrets.values()];
    // Sanity: the run issued every kind of secret that is searched for.
    for (const kind of ['secret access key', 'session token', 'SSO access token', 'SSO refresh token', 'client secret', 'device code', 'console sign-in token', 'auto-refresh bearer token'])
      expect(labels.some((l) => l.startsWith(kind)), kind).toBe(true);
    const places = placesOf(home, pid);
    const names = places.map((p) => p.name);
    expect(names).toContain(join(home.env.KEYFOB_HOME, 'daemon.log'));
    expect(names).toContain(home.configFile);
    expect(names).toContain(histfile);
    expect(readFileSync(join(home.env.KEYFOB_HOME, 'daemon.log'), 'utf8')).toMatch(/ DEBUG request /);
    console.log(`secrets sweep: ${secrets.size} secrets × ${places.length} places (${places.map((p) => p.name.replace(home.dir, '~')).join(', ')})`);
    expect(findings(places, secrets)).toEqual([]);
  }, 180_000);

  it('keeps the socket 0600 in a 0700 dir, and KEYFOB_HOME files, the config and its backup 0600', async () => {
    const status = JSON.parse((await run(['status', '--json'])).stdout);
    const kf = home.env.KEYFOB_HOME;
    await waitForFile(join(kf, 'frecency.json'));
    const modes = {
      socket: mode(status.daemon.socket),
      restrictedSocket: mode(status.daemon.restrictedSocket),
      socketDir: mode(join(status.daemon.socket, '..')),
      keyfobHome: mode(kf),
      'frecency.json': mode(join(kf, 'frecency.json')),
      'populate.json': mode(join(kf, 'populate.json')),
      'daemon.log': mode(join(kf, 'daemon.log')),
      config: mode(home.configFile),
      backup: mode(home.configFile + BACKUP_SUFFIX),
    };
    expect(modes).toEqual({
      socket: '600',
      restrictedSocket: '600',
      socketDir: '700',
      keyfobHome: '700',
      'frecency.json': '600',
      'populate.json': '600',
      'daemon.log': '600',
      config: '600',
      backup: '600',
    });
    // Auto-refresh tokens live in daemon memory only: no state file (older versions kept one).
    expect(existsSync(join(kf, 'container-endpoint.json'))).toBe(false);
    // Nothing else in KEYFOB_HOME is readable by others either.
    for (const file of filesUnder(kf)) expect(statSync(file).mode & 0o077, file).toBe(0);
  });

  it('with --export-to-aws-cli, finds the sign-in in exactly the AWS CLI token cache file, until logout', async () => {
    await run(['login', '--export-to-aws-cli']);
    await run(['credential-process', '--profile', PROFILE]);
    await run(['populate']);
    await run(['status']);
    const cacheFile = join(home.dir, '.aws', 'sso', 'cache', `${createHash('sha1').update(SESSION).digest('hex')}.json`);
    expect(existsSync(cacheFile)).toBe(true);
    expect(mode(cacheFile)).toBe('600');
    expect(mode(join(cacheFile, '..'))).toBe('700');

    const pid = await daemonPid(home);
    const secrets = new Map([...issuedSecrets(emulator), ...seen]);
    const found = findings(placesOf(home, pid), secrets);
    // Only the cache file, and in it only the sign-in: the live access token, refresh token and client secret.
    expect(new Set(found.map((f) => f.slice(0, f.lastIndexOf(': '))))).toEqual(new Set([cacheFile]));
    expect(found.map((f) => f.slice(f.lastIndexOf(': ') + 2).replace(/ of .*/, '')).sort()).toEqual(['SSO access token', 'SSO refresh token', 'client secret']);

    await run(['logout']);
    expect(existsSync(cacheFile)).toBe(false);
    expect(findings(placesOf(home, pid), new Map([...issuedSecrets(emulator), ...seen]))).toEqual([]);
  }, 120_000);

  it('a daemon started from a shell that has assumed holds no credentials in its environment', async () => {
    // Stop the daemon, then start the next one from an environment like a shell's after `assume`.
    await run(['daemon', 'stop']);
    const shellEnv = { ...home.env, ...assumedVars };
    expect(shellEnv.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    await run(['login'], shellEnv);
    const pid = await daemonPid(home);
    const found = findings(placesOf(home, pid), new Map([...issuedSecrets(emulator), ...seen]));
    expect(found).toEqual([]);
  }, 60_000);
});

/** The pid of every process whose environment names `dir` (the test's HOME), and of all their descendants. */
function processesOf(dir: string): number[] {
  const parent = new Map<number, number>();
  const ours = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      // The parent pid is the 2nd field after the command name, which is in parentheses and may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readFileSync(`/proc/${pid}/environ`).includes(dir)) ours.add(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (ours.has(pid) || !ours.has(ppid)) continue;
      ours.add(pid);
      grew = true;
    }
  }
  return [...ours];
}

/** The argv and environment of every process of the test, right now. */
function processPlaces(dir: string): Place[] {
  const places: Place[] = [];
  for (const pid of processesOf(dir)) {
    for (const part of ['cmdline', 'environ']) {
      try {
        const bytes = readFileSync(`/proc/${pid}/${part}`);
        const argv0 = readFileSync(`/proc/${pid}/cmdline`).toString('utf8').split('\0').slice(0, 3).join(' ');
        places.push({ name: `/proc/${pid}/${part} (${argv0.replace(dir, '~')})`, bytes });
      } catch {
        // ended meanwhile
      }
    }
  }
  return places;
}

/** A private D-Bus session with gnome-keyring unlocked in it, held open until stop(). */
async function keychainSession(env: Record<string, string>, dir: string): Promise<{ address: string; stop(): Promise<void> }> {
  const bus = join(dir, 'bus-address');
  const stopFile = join(dir, 'bus-stop');
  const child: ChildProcess = spawn(
    'dbus-run-session',
    ['--', 'sh', '-c', `echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null && echo "$DBUS_SESSION_BUS_ADDRESS" > '${bus}.tmp' && mv '${bus}.tmp' '${bus}'; while [ ! -e '${stopFile}' ]; do sleep 0.1; done`],
    { env, stdio: 'ignore' },
  );
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const address = await waitFor(() => existsSync(bus) && readFileSync(bus, 'utf8').trim(), { timeoutMs: 20_000, what: 'the D-Bus session with gnome-keyring' });
  return {
    address,
    async stop() {
      writeFileSync(stopFile, '');
      const ended = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!ended && child.pid) process.kill(child.pid, 'SIGTERM');
    },
  };
}

describe('secrets sweep: an IAM user\'s keys, with the real keychain', () => {
  const USER_SECRETS = new Map([
    [DEMO_IAM_USER.secretAccessKey, "the IAM user's secret access key"],
    [DEMO_IAM_USER.accessKeyId, "the IAM user's access key id"],
  ]);
  const CONFIG = `
[profile ci-deploy]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = ci
role_session_name = sweep

[profile ci-breakglass]
role_arn = arn:aws:iam::432109876543:role/BreakGlass
source_profile = ci
role_session_name = sweep

[profile kf-ci-deploy]
credential_process = ${process.execPath} ${KEYFOB_BIN} credential-process --profile ci-deploy
`;
  const SHELL = `eval "$("$KEYFOB" shell-init bash)"
assume ci-breakglass 2>> "$OUT/shell.err" || echo "assume failed" >> "$OUT/shell.err"
"$AWS_CLI" sts get-caller-identity --endpoint-url="$EMU" --region eu-west-1 --query Arn --output text >> "$OUT/arns" 2>> "$OUT/shell.err"
: > "$OUT/assumed"
while [ ! -e "$OUT/scanned" ]; do sleep 0.1; done
assume --unset
"$AWS_CLI" sts get-caller-identity --profile kf-ci-deploy --endpoint-url="$EMU" --region eu-west-1 --query Arn --output text >> "$OUT/arns" 2>> "$OUT/shell.err"
`;
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let keychain: { address: string; stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator, { KEYFOB_KEYRING: 'keychain' });
    appendFileSync(home.configFile, CONFIG);
  });
  afterAll(async () => {
    if (keychain) await runKeyfob(['daemon', 'stop'], home.env).catch(() => undefined);
    await keychain?.stop();
    await home?.cleanup();
    await emulator?.close();
  });

  it('finds the long-term keys in the keychain, and in no file, process, log or answer', async (ctx) => {
    requirePart(ctx, 'keychain', 'tmux', 'aws-cli-v2', 'bash');
    keychain = await keychainSession(home.env, home.dir);
    const env = { ...home.env, DBUS_SESSION_BUS_ADDRESS: keychain.address };
    const out = join(home.dir, 'out');
    mkdirSync(out);
    const answers: { what: string; text: string }[] = [];
    const processFindings = new Set<string>();
    const scan = () => findings(processPlaces(home.dir), USER_SECRETS).forEach((f) => processFindings.add(f));
    const scanner = setInterval(scan, 100);
    const run = async (args: string[], input?: string): Promise<RunResult> => {
      const r = await runKeyfob(args, env, 60_000, undefined, input);
      answers.push({ what: `keyfob ${args.join(' ')}`, text: r.stdout + r.stderr });
      expect(r.code, `keyfob ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    try {
      // aws-vault's way: the keys from a pipe, never argv.
      await run(['add', 'ci', '--mfa-serial', DEMO_IAM_USER.mfaSerial], `${DEMO_IAM_USER.accessKeyId}\n${DEMO_IAM_USER.secretAccessKey}\n`);
      scan();

      // The MFA session: the code typed on a terminal.
      const term = await startTerminal([process.execPath, KEYFOB_BIN, 'exec', 'ci', '--', 'true'], env);
      try {
        await term.waitFor(/MFA code for ci/, 30_000);
        scan(); // while the client waits for the code
        await term.send(totp(DEMO_IAM_USER.totpSecret), 'Enter');
        expect(await term.exitCode(30_000), await term.screen()).toBe(0);
        answers.push({ what: 'the terminal of keyfob exec ci', text: await term.screen() });
      } finally {
        await term.close();
      }

      // The user's own answer is the GetSessionToken session the emulator issued, never the keys.
      const session = JSON.parse((await run(['credential-process', '--profile', 'ci'])).stdout);
      expect(emulator.state.credentials.get(session.AccessKeyId)).toMatchObject({ roleName: '', username: DEMO_IAM_USER.name });
      expect(session.SessionToken).toBeTruthy();
      for (const profile of ['ci-deploy', 'ci-breakglass']) expect(JSON.parse((await run(['credential-process', '--profile', profile])).stdout).AccessKeyId).toMatch(/^ASIA/);
      await run(['list']);
      const list = JSON.parse((await run(['list', '--json'])).stdout);
      expect(list.profiles.find((p: { name: string }) => p.name === 'ci')).toMatchObject({ kind: 'iam-user', source: 'keychain' });
      await run(['status']);
      expect(JSON.parse((await run(['status', '--json'])).stdout).iamUsers).toEqual(['ci']);

      // assume in a shell, and the AWS CLI through credential_process.
      writeFileSync(join(out, 'sweep.bash'), SHELL);
      const shellEnv = { ...env, OUT: out, EMU: emulator.url, KEYFOB: KEYFOB_BIN, AWS_CLI: AWS_CLI_PATH, LANG: 'C.UTF-8' };
      let shellEnded = false;
      const shell = runCommand('/usr/bin/bash', ['--norc', '--noprofile', join(out, 'sweep.bash')], shellEnv, { timeoutMs: 120_000 }).finally(() => (shellEnded = true));
      await waitFor(() => existsSync(join(out, 'assumed')) || shellEnded, { timeoutMs: 120_000, what: 'the shell to assume' });
      scan(); // while the shell holds the assumed credentials (its children have them in their environment)
      writeFileSync(join(out, 'scanned'), '');
      const shellRun = await shell;
      const shellErr = existsSync(join(out, 'shell.err')) ? readFileSync(join(out, 'shell.err'), 'utf8') : '';
      answers.push({ what: 'the shell', text: shellRun.stdout + shellRun.stderr + shellErr + readFileSync(join(out, 'arns'), 'utf8') });
      expect(readFileSync(join(out, 'arns'), 'utf8').trim().split('\n'), shellErr).toEqual([
        'arn:aws:sts::432109876543:assumed-role/BreakGlass/sweep',
        'arn:aws:sts::210987654321:assumed-role/Deploy/sweep',
      ]);
      scan();
    } finally {
      clearInterval(scanner);
    }

    // They ARE in the keychain: had they been kept anywhere else, this would fail.
    const lookup = await runCommand('secret-tool', ['lookup', 'service', 'keyfob', 'account', 'iam-user:ci'], env);
    expect(lookup.code, lookup.stderr).toBe(0);
    expect(JSON.parse(lookup.stdout)).toEqual({ accessKeyId: DEMO_IAM_USER.accessKeyId, secretAccessKey: DEMO_IAM_USER.secretAccessKey });

    const files = filesUnder(home.dir).map((file) => ({ name: file, bytes: readFileSync(file) }));
    const names = files.map((f) => f.name);
    const log = join(home.env.KEYFOB_HOME, 'daemon.log');
    expect(names).toContain(log);
    expect(names).toContain(home.configFile);
    expect(names.some((n) => n.includes('/keyrings/'))).toBe(true); // gnome-keyring's own (encrypted) file, searched too
    expect(readFileSync(log, 'utf8')).toMatch(/ DEBUG request .*\/v1\/iam-users/);
    console.log(`keychain sweep: ${files.length} files, ${processesOf(home.dir).length} processes now, ${answers.length} answers`);
    expect([...processFindings]).toEqual([]);
    expect(findings(files, USER_SECRETS)).toEqual([]);
    expect(findings(files, issuedSecrets(emulator))).toEqual([]); // nor the sessions made from them
    expect(findings(answers.map((a) => ({ name: a.what, bytes: Buffer.from(a.text) })), USER_SECRETS)).toEqual([]);
  }, 240_000);
});
