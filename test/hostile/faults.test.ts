// The fault suite, upstream half (issue 7, and issue 19's circuits): each fault is injected on the
// emulator, and each test asserts the outcome: retried within the first call's bound, or one line
// that names the fix and when keyfob tries again (8 s for the first caller, 1 s for later ones,
// one probe at a time: aws/circuits.ts); nothing lost, nothing half-written.
// Every test has its own emulator and home, so the slow ones (storms that outlast the bound, a
// latency past the request timeout) run at the same time. The environment half is environmentFaults.test.ts.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/iniDocument.js';
import { DEFAULT_RETRY } from '../../src/aws/retry.js';
import { REQUEST_TIMEOUT_MS } from '../../src/aws/clients.js';
import { adminCall, defaultFixture, startTestEmulator, type EmulatorOptions, type RunningEmulator } from '../helpers/emulator.js';
import { profileSection, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { waitFor } from '../helpers/waitFor.js';

const SESSION = 'd-9067c0ffee';
const QA = '321098765432';
const PROFILE = 'QA/ReadOnlyAccess';
const ACCOUNTS = ['Management', 'Development', 'QA', 'Production', 'Security', 'Workshops', 'Experiments', 'Marketplace'];
const ROLES = ['AdministratorAccess', 'ReadOnlyAccess'];
const EXPECTED_PROFILES = ACCOUNTS.flatMap((a) => ROLES.map((r) => `${a}/${r}`)).sort();
/** Role listing runs 8 accounts at a time (credentials/assignments.ts); each is retried on its own. */
const ROLE_LISTING_CONCURRENCY = 8;
const ENDED = `keyfob: the sign-in has ended for sso-session "${SESSION}"; run: keyfob login --sso-session ${SESSION}\n`;

// The STS client below is the only SDK in this process; its Node-version notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Issue 19: the first caller of a failing upstream ends within 8 s, every later one within 1 s. */
const FIRST_CALL_BOUND_MS = 8_000;
const LATER_CALL_BOUND_MS = 1_000;
const RETRY = /keyfob (tries again in \d+ s|is trying again now)/;

/** Asks until the answer comes (the circuit's next probe); returns it and how long that took. */
async function untilAnswered(home: KeyfobHome, boundMs: number): Promise<{ stdout: string; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const r = await credentialProcess(home);
    if (r.code === 0) return { stdout: r.stdout, waitedMs: Date.now() - started };
    expect(r.stderr).toMatch(RETRY);
    if (Date.now() - started > boundMs) throw new Error(`no answer within ${boundMs} ms: ${r.stderr}`);
    await sleep(200);
  }
}

const opened: { emulator: RunningEmulator; home?: KeyfobHome }[] = [];
afterAll(async () => {
  for (const { emulator, home } of opened) {
    await home?.cleanup();
    await emulator.close();
  }
});

/** A fresh emulator and a home signed in to it, by default with one profile (QA/ReadOnlyAccess) to ask for. */
async function rig(options: EmulatorOptions = {}, { profile = true } = {}): Promise<{ emulator: RunningEmulator; home: KeyfobHome }> {
  const emulator = await startTestEmulator({ autoApprove: true, ...options });
  const entry: (typeof opened)[number] = { emulator };
  opened.push(entry);
  const home = (entry.home = await signedInHome(emulator));
  if (profile) appendFileSync(home.configFile, `\n${profileSection(PROFILE, SESSION, QA, 'ReadOnlyAccess')}`);
  await adminCall(emulator, 'reset-stats');
  return { emulator, home };
}

const calls = async (emulator: RunningEmulator): Promise<Record<string, number>> => (await adminCall(emulator, 'stats')).body.calls;
const credentialProcess = (home: KeyfobHome, profile = PROFILE) => runKeyfob(['credential-process', '--profile', profile], home.env, 60_000);
const statusJson = async (home: KeyfobHome) => JSON.parse((await runKeyfob(['status', '--json'], home.env)).stdout);
const tempFiles = (home: KeyfobHome) => readdirSync(dirname(home.configFile)).filter((n) => n.includes('keyfob-tmp') || n.endsWith('.lock'));

function generatedProfiles(text: string): string[] {
  const doc = parseConfig(text);
  expect(doc.problems).toEqual([]);
  return doc.sections.filter((s) => s.kind === 'profile' && doc.getValue(s, 'keyfob_sso_session') === SESSION).map((s) => s.name).sort();
}

describe('upstream faults', () => {
  it.concurrent('a 429 storm that outlasts the bound: one throttling line within 8 s, ≤ 3 upstream calls, then recovery within one probe interval', async () => {
    const { emulator, home } = await rig();
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', status: 429, count: 1000 });
    const started = Date.now();
    const r = await credentialProcess(home);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^keyfob: IAM Identity Center kept throttling getting credentials for ReadOnlyAccess in ${QA} \\(429\\); keyfob tries again in \\d+ s\n$`));
    // The first try and the circuit's probes, 2 s then 4 s apart (±20 %), within the first caller's 6 s.
    const attempts = (await calls(emulator)).GetRoleCredentials;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(3);
    expect(elapsed).toBeLessThan(FIRST_CALL_BOUND_MS);
    // Nothing was poisoned: once the storm passes, the same daemon answers from the next probe on.
    await adminCall(emulator, 'faults/clear', {});
    const again = await untilAnswered(home, 10_000);
    expect(JSON.parse(again.stdout).AccountId).toBe(QA);
    expect((await calls(emulator)).GetRoleCredentials).toBe(attempts + 1);
  });

  it.concurrent('a 503 storm on ListAccountRoles that outlasts the bound: populate writes nothing, in one line', async () => {
    const { emulator, home } = await rig({}, { profile: false });
    const before = readFileSync(home.configFile, 'utf8');
    const backupBefore = readFileSync(`${home.configFile}.keyfob-backup`, 'utf8');
    await adminCall(emulator, 'faults', { operation: 'ListAccountRoles', status: 503, count: 100_000 });
    const started = Date.now();
    const r = await runKeyfob(['populate'], home.env, 60_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^keyfob: IAM Identity Center failed during listing accounts and roles \\(HTTP 503\\); ${RETRY.source}, or check AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC\n$`),
    );
    // The failed listing counts in the sso-session's portal circuit, which status shows.
    expect((await statusJson(home)).upstreams).toMatchObject([{ kind: 'portal', ssoSession: SESSION, lastFailure: 'HTTP 503 ServiceUnavailableException' }]);
    expect(Date.now() - started).toBeLessThan(DEFAULT_RETRY.maxElapsedMs + 5_000);
    // All or nothing: the config and its backup are byte for byte as they were, with no temp file or lock left.
    expect(readFileSync(home.configFile, 'utf8')).toBe(before);
    expect(readFileSync(`${home.configFile}.keyfob-backup`, 'utf8')).toBe(backupBefore);
    expect(tempFiles(home)).toEqual([]);
    // Each account's listing retries on its own bound; the workers still backing off when the
    // listing failed stop at theirs.
    // Wait for them to stop: no new ListAccountRoles call for longer than the longest backoff, within
    // the retry bound's deadline.
    let last = -1;
    let quietSince = Date.now();
    await waitFor(
      async () => {
        const now = (await calls(emulator)).ListAccountRoles;
        if (now !== last) [last, quietSince] = [now, Date.now()];
        return Date.now() - quietSince > DEFAULT_RETRY.maxDelayMs;
      },
      { timeoutMs: DEFAULT_RETRY.maxElapsedMs + 10_000, intervalMs: 100, what: 'the role listings to stop' },
    );
    expect(last).toBeLessThanOrEqual(ROLE_LISTING_CONCURRENCY * DEFAULT_RETRY.maxAttempts);
  }, 90_000);

  it.concurrent('30 s of latency on GetRoleCredentials: the request times out at 6 s with one line, not a hang; later callers hear it at once', async () => {
    const { emulator, home } = await rig();
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', latencyMs: 30_000, count: 1 });
    const started = Date.now();
    const r = await credentialProcess(home);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^keyfob: IAM Identity Center timed out during getting credentials for ReadOnlyAccess in ${QA} \\(no answer within ${REQUEST_TIMEOUT_MS / 1000} s\\); ` +
          'keyfob tries again in \\d+ s, or check your network, or AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL_SSO_OIDC\n$',
      ),
    );
    // src/aws/clients.ts: requestTimeout 6 s (throwOnRequestTimeout); the next probe is due after the first caller's 6.5 s.
    expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 500);
    expect(elapsed).toBeLessThan(FIRST_CALL_BOUND_MS);
    expect((await calls(emulator)).GetRoleCredentials).toBe(1);
    // The next caller is told at once, with the same line.
    const next = Date.now();
    const told = await credentialProcess(home);
    expect(Date.now() - next).toBeLessThan(LATER_CALL_BOUND_MS);
    expect(told.stderr.replace(RETRY, '')).toBe(r.stderr.replace(RETRY, ''));
    // The daemon is fine afterwards: the fault is spent, and the next probe is answered.
    const again = await untilAnswered(home, 5_000);
    expect(JSON.parse(again.stdout).AccountId).toBe(QA);
    expect((await calls(emulator)).GetRoleCredentials).toBe(2);
  });

  it.concurrent('credentials still valid outlive an outage: served while their refresh fails, and status says so', async () => {
    // 40 s credentials: refreshed from 20 s before expiry (half their life), served until 10 s before it while the refresh
    // fails; the refresh gives up after the circuit's 6.5 s, inside that.
    const { emulator, home } = await rig({ credentialTtl: 40 });
    const first = await credentialProcess(home);
    expect(first.stderr).toBe('');
    const fetchedAt = Date.now();
    const held = JSON.parse(first.stdout);
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', status: 503, count: 100_000 });
    await sleep(Math.max(0, fetchedAt + 21_000 - Date.now())); // inside the refresh window: time passing is the subject
    const started = Date.now();
    const served = await credentialProcess(home);
    expect(served.stderr).toBe('');
    expect(JSON.parse(served.stdout).AccessKeyId).toBe(held.AccessKeyId);
    // The held credentials after a moment (cachingProvider.ts STALE_REFRESH_WAIT_MS), not after the refresh gave up.
    expect(Date.now() - started).toBeLessThan(FIRST_CALL_BOUND_MS / 2);
    let text = '';
    await waitFor(
      async () => {
        text = (await runKeyfob(['status'], home.env)).stdout;
        return text.includes('refresh failing since');
      },
      { timeoutMs: 9_000, intervalMs: 250, what: 'status to say the refresh is failing' },
    );
    expect(text).toMatch(new RegExp(`${QA}/ReadOnlyAccess .*until .*; refresh failing since .*: IAM Identity Center failed during getting credentials for ReadOnlyAccess in ${QA} \\(HTTP 503\\); .*; serving until `));
    expect(text).toContain('failing upstreams');
    const again = await credentialProcess(home);
    expect(JSON.parse(again.stdout).AccessKeyId).toBe(held.AccessKeyId);
    // Once the service answers, the next probe brings new credentials, and status forgets the failure.
    await adminCall(emulator, 'faults/clear', {});
    await waitFor(async () => JSON.parse((await credentialProcess(home)).stdout || '{}').AccessKeyId !== held.AccessKeyId, {
      timeoutMs: 10_000,
      intervalMs: 250,
      what: 'new credentials after the outage',
    });
    expect((await runKeyfob(['status'], home.env)).stdout).not.toContain('refresh failing');
  });

  it.concurrent('a session revoked while credentials are cached: served until they need a refresh, then the fix, and status says signed out', async () => {
    // 4 s tokens (refreshed past half-life), 10 s credentials (fresh for their first 5 s).
    const { emulator, home } = await rig({ tokenTtl: 4, credentialTtl: 10 });
    const first = await credentialProcess(home);
    expect(first.stderr).toBe('');
    const fetchedAt = Date.now();
    expect((await adminCall(emulator, 'revoke', {})).body).toEqual({ revokedSessions: 1 });
    // Still-fresh credentials are served from memory: revoking upstream does not make them invalid.
    const cached = await credentialProcess(home);
    if (Date.now() - fetchedAt < 4_000) expect(JSON.parse(cached.stdout).AccessKeyId).toBe(JSON.parse(first.stdout).AccessKeyId);
    // Past half their life they must be refreshed, which needs the (revoked) sign-in.
    await sleep(Math.max(0, fetchedAt + 6_000 - Date.now())); // time passing is the subject: past their half-life
    const refused = await credentialProcess(home);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(ENDED);
    const session = (await statusJson(home)).sessions.find((s: { name: string }) => s.name === SESSION);
    expect(session.signedIn).toBe(false);
    expect(session.reason).toMatch(/^(refresh rejected \(InvalidGrantException\)|token rejected by the portal|the portal refused a refreshed token)$/);
    const text = (await runKeyfob(['status'], home.env)).stdout;
    expect(text).toContain(`signed out (${session.reason}); run: keyfob login --sso-session ${SESSION}`);
    // The fix works, and nothing in the config was lost on the way.
    expect((await runKeyfob(['login', '--sso-session', SESSION], home.env)).code).toBe(0);
    const back = await credentialProcess(home);
    expect(back.stderr).toBe('');
    expect(JSON.parse(back.stdout).AccountId).toBe(QA);
  });

  it.concurrent('an expired client registration: refresh is impossible, the fix is named, and login registers anew by itself', async () => {
    const fixture = defaultFixture();
    fixture.lifetimes = { ...fixture.lifetimes, clientRegistrationSeconds: 5 };
    const { emulator, home } = await rig({ fixture, tokenTtl: 2, credentialTtl: 3 });
    expect((await credentialProcess(home)).stderr).toBe('');
    await sleep(5_500); // the registration (and with it every refresh) is over; so are token and credentials
    const refused = await credentialProcess(home);
    expect(refused.stderr).toBe(ENDED);
    const session = (await statusJson(home)).sessions.find((s: { name: string }) => s.name === SESSION);
    expect(session.signedIn).toBe(false);
    expect(session.reason).toMatch(/^(client registration expired|refresh rejected \(InvalidClientException\))$/);
    await adminCall(emulator, 'reset-stats');
    const login = await runKeyfob(['login', '--sso-session', SESSION], home.env);
    expect(login.code).toBe(0);
    // A registration too close to its end is never used for a sign-in: a new one, once.
    const stats = await calls(emulator);
    expect(stats.RegisterClient).toBe(1);
    expect(stats.StartDeviceAuthorization).toBe(1);
    const back = await credentialProcess(home);
    expect(back.stderr).toBe('');
    expect(JSON.parse(back.stdout).AccountId).toBe(QA);
  });

  it.concurrent('a 429 storm that ends while the circuit is open: one probe per interval, and the first probe after it is answered', async () => {
    const { emulator, home } = await rig();
    await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', status: 429, count: 4 });
    const started = Date.now();
    const first = await credentialProcess(home);
    expect(first.stderr).toMatch(new RegExp(`kept throttling getting credentials .* \\(429\\); ${RETRY.source}\n$`));
    expect(Date.now() - started).toBeLessThan(FIRST_CALL_BOUND_MS);
    // Callers every 200 ms: the upstream sees the probes only (2, 4, 8, 16 s apart, each ±20 %: the
    // answer comes 30 s after the first call, 36 s at worst), never one per caller.
    const answer = await untilAnswered(home, 40_000);
    expect(JSON.parse(answer.stdout).AccountId).toBe(QA);
    expect((await calls(emulator)).GetRoleCredentials).toBe(4 + 1);
  });

  it.concurrent('500 and 503 bursts during populate: retried, and exactly the full profile set is written', async () => {
    const { emulator, home } = await rig({}, { profile: false });
    const handWritten = readFileSync(home.configFile, 'utf8');
    for (const [operation, status, count] of [
      ['ListAccounts', 503, 2],
      ['ListAccountRoles', 500, 3],
      ['ListAccountRoles', 503, 3],
      ['GetRoleCredentials', 503, 1],
    ] as const) {
      expect((await adminCall(emulator, 'faults', { operation, status, count })).status).toBe(200);
    }
    const r = await runKeyfob(['populate'], home.env, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^16 profiles \(16 added, 0 updated, 0 removed, 0 skipped\) for sso-session /);
    const written = readFileSync(home.configFile, 'utf8');
    expect(written.startsWith(handWritten)).toBe(true);
    expect(generatedProfiles(written)).toEqual(EXPECTED_PROFILES);
    let stats = await calls(emulator);
    expect(stats.ListAccounts).toBe(1 + 2);
    expect(stats.ListAccountRoles).toBe(ACCOUNTS.length + 6);
    expect(stats.GetRoleCredentials ?? 0).toBe(0); // populate lists; it fetches no credentials

    // The GetRoleCredentials fault hits the first credential request instead, which is retried within it.
    const creds = await credentialProcess(home, 'Production/ReadOnlyAccess');
    expect(creds.stderr).toBe('');
    expect(JSON.parse(creds.stdout).AccountId).toBe('432109876543');
    stats = await calls(emulator);
    expect(stats.GetRoleCredentials).toBe(1 + 1);

    // A clean run finds nothing to add: the faulted run wrote the complete set.
    const again = await runKeyfob(['populate'], home.env, 60_000);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/\(0 added, 0 updated, 0 removed, 0 skipped\)/);
    expect(readFileSync(home.configFile, 'utf8')).toBe(written);
    expect(tempFiles(home)).toEqual([]);
  });

  it.concurrent('a client registration the server no longer knows: login registers again by itself', async () => {
    const { emulator: first, home } = await rig();
    const port = Number(new URL(first.url).port);
    await first.close();
    // The same IAM Identity Center address, with every client, token and session forgotten.
    const emulator = await startTestEmulator({ autoApprove: true, port });
    opened.push({ emulator });
    const refused = await credentialProcess(home);
    expect(refused.stderr).toBe(ENDED);
    const login = await runKeyfob(['login', '--sso-session', SESSION], home.env);
    expect(login.stderr).not.toMatch(/keyfob:/);
    expect(login.code).toBe(0);
    const stats = await calls(emulator);
    // The stored client was tried and refused (401 InvalidClientException), then replaced once.
    expect(stats.RegisterClient).toBe(1);
    expect(stats.StartDeviceAuthorization).toBe(2);
    const back = await credentialProcess(home);
    expect(back.stderr).toBe('');
    expect(JSON.parse(back.stdout).AccountId).toBe(QA);
  });

  for (const skewSeconds of [600, -600]) {
    it.concurrent(`a server clock ${skewSeconds > 0 ? 'ahead' : 'behind'} by 10 minutes: keyfob works on the server's expiresIn, and doctor fails the clock check with the fix`, async () => {
      const { emulator, home } = await rig({ clockSkewSeconds: skewSeconds });
      const r = await credentialProcess(home);
      expect(r.stderr).toBe('');
      const creds = JSON.parse(r.stdout);
      expect(creds.AccountId).toBe(QA);
      // Role credentials carry the server's absolute expiry (ReadOnlyAccess: 1 h on its clock), as AWS's do.
      expect(Math.abs(Date.parse(creds.Expiration) - (Date.now() + skewSeconds * 1000 + 3600_000))).toBeLessThan(60_000);
      // The token's expiry comes from expiresIn, so it is right on the local clock whatever the skew.
      const session = (await statusJson(home)).sessions.find((s: { name: string }) => s.name === SESSION);
      expect(session.signedIn).toBe(true);
      expect(Math.abs(Date.parse(session.expiresAt) - (Date.now() + 3600_000))).toBeLessThan(60_000);
      // The credentials sign requests the (skewed) STS accepts: SigV4 allows 15 minutes.
      const sts = new STSClient({
        endpoint: emulator.url,
        region: emulator.region,
        maxAttempts: 1,
        credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken },
      });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(QA);
      sts.destroy();

      const doctor = await runKeyfob(['doctor', '--json'], home.env, 45_000);
      expect(doctor.code).toBe(1);
      const clock = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'clock');
      expect(clock.status).toBe('fail');
      const direction = skewSeconds > 0 ? 'behind' : 'ahead of';
      expect(clock.detail).toMatch(new RegExp(`^the local clock is (9m59s|10m00s|10m01s) ${direction} http://127\\.0\\.0\\.1:\\d+; AWS refuses requests more than 5 minutes off$`));
      expect(clock.fix).toBe('sync the clock (timedatectl set-ntp true, or your OS time settings / ntp)');
    });
  }
});
