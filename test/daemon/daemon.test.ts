// The daemon end to end: real CLI processes, a real daemon on a Unix socket, the emulator as AWS,
// and the AWS CLI v2 as the real credential_process client.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAwsCli } from '../helpers/awscli.js';
import { adminCall, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, keyfobHome, profileSection, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';
import { waitFor } from '../helpers/waitFor.js';

const SESSION = 'd-9067c0ffee';
const EXPERIMENTS = '765432109876';
const DEVELOPMENT = '210987654321';
const PROFILE = 'Experiments/AdministratorAccess';

function socketCall(socketPath: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** True once nothing accepts connections on the socket. */
function socketRefuses(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function stats(emulator: RunningEmulator): Promise<Record<string, number>> {
  return (await adminCall(emulator, 'stats')).body.calls;
}

describe('keyfob daemon against the emulator', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  const issuedSecrets: string[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    // Debug logs each request's route on arrival: the single-flight test counts them.
    home = keyfobHome(emulator, { KEYFOB_LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('tells a user with no sso-session what to run', async () => {
    const r = await runKeyfob(['login'], home.env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('keyfob: no sso-session configured; run: keyfob login --start-url URL --sso-region REGION');
  });

  it('logs in with the device code, writing the sso-session section', async () => {
    const r = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
    expect(r.stderr).toMatch(/confirm the code [A-Z]{4}-[A-Z]{4}/);
    expect(r.stdout).toMatch(new RegExp(`^Signed in to ${SESSION} until `));
    expect(r.code).toBe(0);
    const config = readFileSync(home.configFile, 'utf8');
    expect(config).toContain(`[sso-session ${SESSION}]\nsso_start_url = ${emulator.startUrl}\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n`);
    appendFileSync(home.configFile, `\n${profileSection(PROFILE, SESSION, EXPERIMENTS, 'AdministratorAccess')}`);
  });

  it('answers credential-process with credential_process JSON v1', async () => {
    const r = await runKeyfob(['credential-process', '--profile', PROFILE], home.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const creds = JSON.parse(r.stdout);
    expect(Object.keys(creds).sort()).toEqual(['AccessKeyId', 'AccountId', 'Expiration', 'SecretAccessKey', 'SessionToken', 'Version']);
    expect(creds.Version).toBe(1);
    expect(creds.AccountId).toBe(EXPERIMENTS);
    expect(creds.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    // AdministratorAccess lasts 4 hours, far outside the 15-minute refresh window.
    expect(Date.parse(creds.Expiration) - Date.now()).toBeGreaterThan(3 * 3600_000);
    issuedSecrets.push(creds.SecretAccessKey, creds.SessionToken);
    // --profile=NAME works as well, and is answered from the cache.
    const before = (await stats(emulator)).GetRoleCredentials;
    const again = await runKeyfob(['credential-process', `--profile=${PROFILE}`], home.env);
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout).SecretAccessKey).toBe(creds.SecretAccessKey);
    expect((await stats(emulator)).GetRoleCredentials).toBe(before);
  });

  it('serves the AWS CLI v2 through credential_process', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const cliEnv = { ...home.env, AWS_CLI_AUTO_PROMPT: 'off' };
    const held = JSON.parse((await runKeyfob(['credential-process', '--profile', PROFILE], home.env)).stdout);
    const exported = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE], cliEnv);
    expect(exported.stderr).toBe('');
    // The CLI got them from keyfob's credential_process: the very credentials the daemon holds for the profile.
    expect(JSON.parse(exported.stdout).SecretAccessKey).toBe(held.SecretAccessKey);
    const who = await runAwsCli(['sts', 'get-caller-identity', '--profile', PROFILE, '--endpoint-url', emulator.url, '--output', 'json'], cliEnv);
    expect(who.stderr).toBe('');
    const identity = JSON.parse(who.stdout);
    expect(identity.Account).toBe(EXPERIMENTS);
    expect(identity.Arn).toMatch(new RegExp(`^arn:aws:sts::${EXPERIMENTS}:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]+/`));
  });

  // The 100- and 1000-process runs are benchmarks (npm run bench); here 20 show the single flight.
  it('makes exactly one upstream call for 20 concurrent cold requests, which all wait on it', async () => {
    const profile = 'Development/ReadOnlyAccess';
    appendFileSync(home.configFile, `\n${profileSection(profile, SESSION, DEVELOPMENT, 'ReadOnlyAccess')}`);
    await adminCall(emulator, 'reset-stats');
    // The emulator holds the first GetRoleCredentials call for HOLD_MS: every request that arrives
    // meanwhile must join it rather than make its own call.
    const HOLD_MS = 5_000; // under the 6 s request timeout (src/aws/clients.ts), past which the call would fail
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', latencyMs: HOLD_MS, count: 1 });
    const asked = () => (readFileSync(join(home.env.KEYFOB_HOME, 'daemon.log'), 'utf8').match(/ DEBUG request \{"route":"GET \/v1\/credentials"\}/g) ?? []).length;
    const askedBefore = asked();
    let finished = 0;
    const runs = Array.from({ length: 20 }, () => runKeyfob(['credential-process', '--profile', profile], home.env, 60_000).finally(() => finished++));
    // All 20 reach the daemon while the one upstream call is held, and none is answered before it ends.
    await waitFor(() => asked() - askedBefore >= 20, { timeoutMs: HOLD_MS, what: '20 credential requests at the daemon' });
    expect(finished).toBe(0);
    expect((await stats(emulator)).GetRoleCredentials).toBe(1);
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    expect(new Set(results.map((r) => JSON.parse(r.stdout).AccessKeyId)).size).toBe(1);
    expect(asked() - askedBefore).toBe(20);
    expect((await stats(emulator)).GetRoleCredentials).toBe(1);
  }, 60_000);

  it('gives one-line errors that name the fix', async () => {
    const unknown = await runKeyfob(['credential-process', '--profile', 'Nope/Role'], home.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      `keyfob: profile "Nope/Role" is not in ${home.configFile}; nearest: "Development/ReadOnlyAccess", "${PROFILE}"; check the name, or run: keyfob populate\n`,
    );
    const usage = await runKeyfob(['credential-process'], home.env);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/^keyfob: credential-process needs a profile; usage: .*\n$/);
    appendFileSync(home.configFile, `\n[sso-session other]\nsso_start_url = ${emulator.startUrl}x\nsso_region = eu-west-1\n\n${profileSection('Other/Role', 'other', EXPERIMENTS, 'AdministratorAccess')}`);
    const notSignedIn = await runKeyfob(['credential-process', '--profile', 'Other/Role'], home.env);
    expect(notSignedIn.code).toBe(1);
    expect(notSignedIn.stderr).toBe('keyfob: not signed in to sso-session "other"; run: keyfob login --sso-session other\n');
  });

  it('keeps its socket 0600 in a 0700 dir and reports status without secrets', async () => {
    const r = await runKeyfob(['status', '--json'], home.env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.daemon.socket).toBe(join(home.env.KEYFOB_HOME, 'run', 'daemon.sock'));
    expect(statSync(report.daemon.socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(home.env.KEYFOB_HOME, 'run')).mode & 0o777).toBe(0o700);
    expect(report.sessions.find((s: { name: string }) => s.name === SESSION)).toMatchObject({ signedIn: true, canRefresh: true });
    expect(report.credentials.map((c: { accountId: string }) => c.accountId).sort()).toEqual([DEVELOPMENT, EXPERIMENTS]);
    for (const secret of issuedSecrets) expect(r.stdout).not.toContain(secret);
    const human = await runKeyfob(['status'], home.env);
    expect(human.stdout).toContain(`${EXPERIMENTS}/AdministratorAccess`);
  });

  it('answers bad input on the socket with errors and stays up', async () => {
    const socket = join(home.env.KEYFOB_HOME, 'run', 'daemon.sock');
    const badJson = await socketCall(socket, 'POST', '/v1/login', '{not json');
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).error.code).toBe('BadRequest');
    // The daemon must answer 413 itself; a dropped connection is a failure, not a 413.
    const huge = await socketCall(socket, 'POST', '/v1/logout', JSON.stringify({ ssoSession: 'x'.repeat(200_000) }));
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body).error).toMatchObject({ code: 'BadRequest', message: expect.stringMatching(/^request body is larger than \d+ bytes$/) });
    const unknownRoute = await socketCall(socket, 'GET', '/v1/nope');
    expect(unknownRoute.status).toBe(404);
    const noProfile = await socketCall(socket, 'GET', '/v1/credentials');
    expect(noProfile.status).toBe(400);
    expect((await socketCall(socket, 'GET', '/v1/ping')).status).toBe(200);
  });

  it('keeps secrets out of logs and files', async () => {
    const files = filesUnder(home.dir);
    expect(files).toContain(join(home.env.KEYFOB_HOME, 'daemon.log'));
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of issuedSecrets) expect(text, file).not.toContain(secret);
      expect(text, file).not.toMatch(/"accessToken"|"refreshToken"|aoa[A-Za-z0-9]{20,}/);
    }
  });

  it('ends a revoked sign-in with the clear error, not a hang', async () => {
    await adminCall(emulator, 'revoke', {});
    appendFileSync(home.configFile, `\n${profileSection('QA/ReadOnlyAccess', SESSION, '321098765432', 'ReadOnlyAccess')}`);
    const r = await runKeyfob(['credential-process', '--profile', 'QA/ReadOnlyAccess'], home.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`keyfob: the sign-in has ended for sso-session "${SESSION}"; run: keyfob login --sso-session ${SESSION}\n`);
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.sessions.find((s: { name: string }) => s.name === SESSION).signedIn).toBe(false);
  });

  it('logout drops the token and the cached credentials', async () => {
    await runKeyfob(['login', '--sso-session', SESSION], home.env);
    expect((await runKeyfob(['credential-process', '--profile', PROFILE], home.env)).code).toBe(0);
    const out = await runKeyfob(['logout', '--sso-session', SESSION], home.env);
    expect(out.stdout).toBe(`Signed out of ${SESSION}\n`);
    const status = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    expect(status.credentials).toEqual([]);
    const after = await runKeyfob(['credential-process', '--profile', PROFILE], home.env);
    expect(after.stderr).toBe(`keyfob: not signed in to sso-session "${SESSION}"; run: keyfob login --sso-session ${SESSION}\n`);
  });

  it('signs in from credential-process only when asked with --login, and answers native profiles', async () => {
    const r = await runKeyfob(['credential-process', '--profile', PROFILE, '--login'], home.env);
    expect(r.stderr).toMatch(/confirm the code [A-Z]{4}-[A-Z]{4}/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).AccountId).toBe(EXPERIMENTS);
    appendFileSync(home.configFile, `\n[profile native]\nsso_session = ${SESSION}\nsso_account_id = ${DEVELOPMENT}\nsso_role_name = AdministratorAccess\n`);
    const native = await runKeyfob(['credential-process', '--profile', 'native'], home.env);
    expect(native.stderr).toBe('');
    expect(JSON.parse(native.stdout).AccountId).toBe(DEVELOPMENT);
  });

  it('restarts a killed daemon on the next request', async () => {
    const before = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.pid;
    process.kill(before, 'SIGKILL');
    await waitFor(() => socketRefuses(join(home.env.KEYFOB_HOME, 'run', 'daemon.sock')), { what: 'the killed daemon to stop answering' });
    // The socket file is stale now; the client starts a fresh daemon and gets an answer.
    const r = await runKeyfob(['credential-process', '--profile', PROFILE], home.env);
    expect(r.stderr).toBe(`keyfob: not signed in to sso-session "${SESSION}"; run: keyfob login --sso-session ${SESSION}\n`);
    const after = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout).daemon.pid;
    expect(after).not.toBe(before);
  });
});

describe('daemon placement', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
  });
  afterAll(async () => emulator?.close());

  it('refuses a socket dir other users can write', async () => {
    const home = keyfobHome(emulator);
    const open = join(home.dir, 'open');
    mkdirSync(open, { mode: 0o777 });
    chmodSync(open, 0o777);
    const r = await runKeyfob(['daemon', 'run'], { ...home.env, KEYFOB_SOCKET: join(open, 's.sock') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`keyfob: refusing the socket directory ${open}: it can be written by other users (mode 777); run: chmod 700 ${open}\n`);
    await home.cleanup();
  });

  it('falls back to a short socket path when KEYFOB_HOME is deep, and says so', async () => {
    const home = keyfobHome(emulator);
    const deep = join(home.dir, 'x'.repeat(60), 'y'.repeat(60));
    const env = { ...home.env, KEYFOB_HOME: deep };
    const started = await runKeyfob(['daemon', 'start'], env);
    expect(started.code).toBe(0);
    const report = JSON.parse((await runKeyfob(['status', '--json'], env)).stdout);
    expect(report.daemon.socketFallbackFrom).toBe(join(deep, 'run', 'daemon.sock'));
    expect(Buffer.byteLength(report.daemon.socket)).toBeLessThanOrEqual(107);
    await runKeyfob(['daemon', 'stop'], env);
    await home.cleanup();
  });

  it('shuts down cleanly on SIGTERM, removing both sockets and its pid file', async () => {
    const home = keyfobHome(emulator);
    expect((await runKeyfob(['daemon', 'start'], home.env)).code).toBe(0);
    const report = JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
    const pidFile = join(home.env.KEYFOB_HOME, 'daemon.pid');
    expect(existsSync(report.daemon.socket) && existsSync(report.daemon.restrictedSocket) && existsSync(pidFile)).toBe(true);
    process.kill(report.daemon.pid, 'SIGTERM');
    // It saves its state after the socket closes, then releases the pid file: wait for both.
    await waitFor(() => !existsSync(report.daemon.socket) && !existsSync(report.daemon.restrictedSocket) && !existsSync(pidFile), { timeoutMs: 5_000, what: 'both sockets and the pid file to go' });
    expect(readFileSync(join(home.env.KEYFOB_HOME, 'daemon.log'), 'utf8')).toContain('daemon stopping');
    await home.cleanup();
  });

  it('exits after the idle timeout', async () => {
    const home = keyfobHome(emulator);
    const r = await runKeyfob(['daemon', 'run', '--idle-timeout', '1'], home.env, 15_000);
    expect(r.code).toBe(0);
    expect(readFileSync(join(home.env.KEYFOB_HOME, 'daemon.log'), 'utf8')).toContain('idle timeout reached');
    await home.cleanup();
  });
});

describe('refresh ahead of expiry', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  beforeAll(async () => {
    // Short lives: role credentials 6 s, SSO tokens 4 s.
    emulator = await startTestEmulator({ autoApprove: true, credentialTtl: 6, tokenTtl: 4 });
    home = keyfobHome(emulator);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('refreshes the token and never hands out credentials close to expiry', async () => {
    expect((await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env)).code).toBe(0);
    appendFileSync(home.configFile, `\n${profileSection(PROFILE, SESSION, EXPERIMENTS, 'AdministratorAccess')}`);
    await adminCall(emulator, 'reset-stats');
    const first = JSON.parse((await runKeyfob(['credential-process', '--profile', PROFILE], home.env)).stdout);
    // Time passing is the subject: wait until the first set is past half its 6 s life.
    await waitFor(() => Date.now() > Date.parse(first.Expiration) - 2_500, { what: 'the first credentials to pass half their life' });
    const second = JSON.parse((await runKeyfob(['credential-process', '--profile', PROFILE], home.env)).stdout);
    // Past half its 6 s life the first set counts as stale, so a new one is fetched.
    expect(second.AccessKeyId).not.toBe(first.AccessKeyId);
    expect(Date.parse(second.Expiration) - Date.now()).toBeGreaterThan(3000);
    // The 4 s token was refreshed with the refresh token (CreateToken calls), not a new sign-in; and
    // the daemon, refreshing every 2 s, made exactly one CreateToken call per refresh it logged. Both
    // are read until they agree, since a refresh may be between the call and its log line.
    const refreshes = () => (readFileSync(join(home.env.KEYFOB_HOME, 'daemon.log'), 'utf8').match(/ INFO refreshed sso token /g) ?? []).length;
    const [calls, logged] = await waitFor(
      async () => {
        const calls = await stats(emulator);
        const logged = refreshes();
        return calls.CreateToken === logged && [calls, logged] as const;
      },
      { timeoutMs: 5_000, what: 'as many CreateToken calls as refreshes logged' },
    ).catch(async (err) => {
      throw new Error(`${err.message}: CreateToken ${(await stats(emulator)).CreateToken}, refreshes logged ${refreshes()}`);
    });
    expect(logged).toBeGreaterThanOrEqual(1);
    expect(calls.CreateToken).toBe(logged);
    expect(calls.StartDeviceAuthorization ?? 0).toBe(0);
  }, 30_000);
});
