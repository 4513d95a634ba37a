// Sharing the sign-in with the AWS CLI (opt-in): keyfob writes the AWS CLI's own SSO token cache,
// and the real readers use it: the AWS CLI v2 (/usr/bin/aws) and the JS SDK's fromSSO, both against
// the emulator, with no keyfob process in their path.
//
// AWS CLI 2.9 ignores AWS_ENDPOINT_URL_*, so it is pointed at the emulator the way botocore allows:
// AWS_DATA_PATH holds endpoint-rule-set-1.json files for sso and sso-oidc (copies of the CLI's own,
// with one rule: "the endpoint is the emulator"). botocore's loader searches AWS_DATA_PATH first.
import { GetRoleCredentialsCommand } from '@aws-sdk/client-sso';
import { CreateTokenCommand } from '@aws-sdk/client-sso-oidc';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromSSO } from '@aws-sdk/credential-providers';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/store/index.js';
import { readAwsCliToken } from '../../src/signin/awsCliCache.js';
import { SessionManager, type Logger } from '../../src/signin/sessions.js';
import type { SsoSessionConfig } from '../../src/signin/types.js';
import { runAwsCli } from '../helpers/awscli.js';
import { adminCall, sdkClients, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const SESSION = 'd-9067c0ffee';
const EXPERIMENTS = '765432109876';
const PROFILE = 'Experiments/AdministratorAccess';
const SECOND_PROFILE = 'Experiments/ReadOnlyAccess';
const AWS_CLI_KEYS = ['accessToken', 'clientId', 'clientSecret', 'expiresAt', 'refreshToken', 'region', 'registrationExpiresAt', 'startUrl'];
const BOTOCORE_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const AWS_CLI_DATA = '/usr/lib/python3/dist-packages/awscli/botocore/data';

function cacheDirOf(home: string): string {
  return join(home, '.aws', 'sso', 'cache');
}

function cacheFileOf(home: string, session = SESSION): string {
  return join(cacheDirOf(home), `${createHash('sha1').update(session).digest('hex')}.json`);
}

function readCache(home: string): Record<string, string> {
  return JSON.parse(readFileSync(cacheFileOf(home), 'utf8'));
}

/** endpoint-rule-set-1.json for sso and sso-oidc that send the AWS CLI to the emulator. */
function awsCliDataPath(dir: string, url: string): string {
  for (const service of ['sso', 'sso-oidc']) {
    const original = JSON.parse(readFileSync(join(AWS_CLI_DATA, service, '2019-06-10', 'endpoint-rule-set-1.json'), 'utf8'));
    const ruleSet = { ...original, rules: [{ conditions: [], endpoint: { url, properties: {}, headers: {} }, type: 'endpoint' }] };
    mkdirSync(join(dir, service, '2019-06-10'), { recursive: true });
    writeFileSync(join(dir, service, '2019-06-10', 'endpoint-rule-set-1.json'), JSON.stringify(ruleSet));
  }
  return dir;
}

/** Only what the AWS CLI needs: HOME (for ~/.aws/sso/cache), the config, and the data path. No keyfob. */
function awsCliEnv(home: KeyfobHome, dataPath: string): Record<string, string> {
  return {
    HOME: home.dir,
    AWS_CONFIG_FILE: home.configFile,
    AWS_SHARED_CREDENTIALS_FILE: join(home.dir, '.aws', 'credentials'),
    AWS_DATA_PATH: dataPath,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

async function calls(emulator: RunningEmulator): Promise<Record<string, number>> {
  return (await adminCall(emulator, 'stats')).body.calls;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('login --export-to-aws-cli', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let dataPath: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator);
    dataPath = awsCliDataPath(join(home.dir, 'aws-cli-data'), emulator.url);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('writes no token anywhere under HOME without the opt-in', async () => {
    const r = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(home.dir, '.aws', 'sso'))).toBe(false);
    for (const file of filesUnder(home.dir)) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/"accessToken"|"refreshToken"|aoa[A-Za-z0-9_-]{20,}/);
    }
    const populated = await runKeyfob(['populate', '--mode', 'native'], home.env);
    expect(populated.code, populated.stderr).toBe(0);
  });

  it('the AWS CLI finds no token for a native profile before the export', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const r = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE], awsCliEnv(home, dataPath));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Error loading SSO Token: Token for d-9067c0ffee does not exist/);
  });

  it("writes the AWS CLI's cache file: its exact keys, 0600 in a 0700 dir, named sha1(session)", async () => {
    const r = await runKeyfob(['login', '--sso-session', SESSION, '--export-to-aws-cli'], home.env);
    expect(r.code, r.stderr).toBe(0);
    const cached = readCache(home.dir);
    expect(Object.keys(cached).sort()).toEqual(AWS_CLI_KEYS);
    expect(cached.startUrl).toBe(emulator.startUrl);
    expect(cached.region).toBe(emulator.region);
    expect(cached.expiresAt).toMatch(BOTOCORE_TIMESTAMP);
    expect(cached.registrationExpiresAt).toMatch(BOTOCORE_TIMESTAMP);
    expect(Date.parse(cached.expiresAt)).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(statSync(cacheFileOf(home.dir)).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDirOf(home.dir)).mode & 0o777).toBe(0o700);
    expect(readdirSync(cacheDirOf(home.dir))).toEqual([`${createHash('sha1').update(SESSION).digest('hex')}.json`]); // no temp files left
    // The token is the daemon's own: the portal accepts it.
    const { sso } = sdkClients(emulator);
    const role = await sso.send(new GetRoleCredentialsCommand({ accessToken: cached.accessToken, accountId: EXPERIMENTS, roleName: 'AdministratorAccess' }));
    expect(role.roleCredentials?.accessKeyId).toBeTruthy();
  });

  it('the AWS CLI v2 uses the file for a --mode native profile, with no keyfob in the path', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    const config = readFileSync(home.configFile, 'utf8');
    expect(config).toContain(`[profile ${PROFILE}]\nsso_session = ${SESSION}\n`);
    expect(config).not.toContain('keyfob credential-process');
    const env = awsCliEnv(home, dataPath);
    const exported = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
    const identity = await runAwsCli(['sts', 'get-caller-identity', '--profile', PROFILE, '--region', emulator.region, '--endpoint-url', emulator.url, '--output', 'json'], env);
    expect(identity.code, identity.stderr).toBe(0);
    expect(JSON.parse(identity.stdout).Account).toBe(EXPERIMENTS);
  });

  it("the JS SDK's fromSSO reads the file and gets role credentials from the emulator", async () => {
    const savedHome = process.env.HOME;
    process.env.HOME = home.dir; // the SDK finds ~/.aws/sso/cache through HOME
    try {
      const credentials = await fromSSO({ profile: PROFILE, configFilepath: home.configFile, clientConfig: { endpoint: emulator.url } })();
      const sts = new STSClient({ region: emulator.region, endpoint: emulator.url, credentials });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(EXPERIMENTS);
    } finally {
      process.env.HOME = savedHome;
    }
  });

  it('remembers the choice: a plain login keeps the file current', async () => {
    const before = readCache(home.dir).accessToken;
    const r = await runKeyfob(['login', '--sso-session', SESSION], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(readCache(home.dir).accessToken).not.toBe(before);
  });

  it('--no-export-to-aws-cli removes the file; KEYFOB_EXPORT_TO_AWS_CLI=on writes it again', async () => {
    const off = await runKeyfob(['login', '--sso-session', SESSION, '--no-export-to-aws-cli'], home.env);
    expect(off.code, off.stderr).toBe(0);
    expect(existsSync(cacheFileOf(home.dir))).toBe(false);
    const plain = await runKeyfob(['login', '--sso-session', SESSION], home.env);
    expect(plain.code, plain.stderr).toBe(0);
    expect(existsSync(cacheFileOf(home.dir))).toBe(false);
    const on = await runKeyfob(['login', '--sso-session', SESSION], { ...home.env, KEYFOB_EXPORT_TO_AWS_CLI: 'on' });
    expect(on.code, on.stderr).toBe(0);
    expect(Object.keys(readCache(home.dir)).sort()).toEqual(AWS_CLI_KEYS);
    const bad = await runKeyfob(['login', '--sso-session', SESSION], { ...home.env, KEYFOB_EXPORT_TO_AWS_CLI: 'maybe' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('KEYFOB_EXPORT_TO_AWS_CLI="maybe" is not supported; use on or off');
  });

  it('logout removes the file, and the AWS CLI has no token again', async (ctx) => {
    const r = await runKeyfob(['logout', '--sso-session', SESSION], home.env);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(cacheFileOf(home.dir))).toBe(false);
    requirePart(ctx, 'aws-cli-v2');
    // A profile the AWS CLI has not used yet: role credentials it already fetched stay in its own
    // ~/.aws/cli/cache until they expire (docs/user-guide.md says so).
    const after = await runAwsCli(['configure', 'export-credentials', '--profile', SECOND_PROFILE], awsCliEnv(home, dataPath));
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/Token for d-9067c0ffee does not exist/);
  });

  it("leaves alone a cache file keyfob did not write (the user's own aws sso login)", async () => {
    const r = await runKeyfob(['login', '--sso-session', SESSION], home.env);
    expect(r.code, r.stderr).toBe(0);
    const foreign = JSON.stringify({ startUrl: emulator.startUrl, region: emulator.region, accessToken: 'theirs', expiresAt: '2030-01-01T00:00:00Z', clientId: 'aws-cli-client' });
    writeFileSync(cacheFileOf(home.dir), foreign, { mode: 0o600 });
    expect((await runKeyfob(['logout', '--sso-session', SESSION], home.env)).code).toBe(0);
    expect(readFileSync(cacheFileOf(home.dir), 'utf8')).toBe(foreign);
    rmSync(cacheFileOf(home.dir));
  });
});

describe('keeping the exported token current', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let dataPath: string;

  beforeAll(async () => {
    // SSO tokens live 8 s: the daemon refreshes at half life, the AWS CLI (15-minute window) at once.
    emulator = await startTestEmulator({ autoApprove: true, tokenTtl: 8 });
    home = keyfobHome(emulator);
    dataPath = awsCliDataPath(join(home.dir, 'aws-cli-data'), emulator.url);
  });
  afterAll(async () => {
    await home?.cleanup();
    await emulator?.close();
  });

  it('the daemon writes each refreshed token to the file', async () => {
    const r = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region, '--export-to-aws-cli'], home.env);
    expect(r.code, r.stderr).toBe(0);
    const first = readCache(home.dir);
    const refreshed = await waitFor('the refreshed token in the file', () => {
      const now = readCache(home.dir);
      return now.accessToken !== first.accessToken ? now : undefined;
    });
    expect(Object.keys(refreshed).sort()).toEqual(AWS_CLI_KEYS);
    expect(refreshed.clientId).toBe(first.clientId);
    expect(Date.parse(refreshed.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    expect(statSync(cacheFileOf(home.dir)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home.env.KEYFOB_HOME, 'daemon.log'), 'utf8')).toContain('refreshed sso token');
    const stats = await calls(emulator);
    expect(stats.StartDeviceAuthorization).toBe(1); // refreshed with the refresh token, not a new sign-in
  });

  it('the AWS CLI refreshes the token itself from the file, with the daemon stopped', async (ctx) => {
    requirePart(ctx, 'aws-cli-v2');
    await runKeyfob(['populate', '--mode', 'native'], home.env);
    await runKeyfob(['daemon', 'stop'], home.env);
    const before = readCache(home.dir);
    await adminCall(emulator, 'reset-stats');
    const exported = await runAwsCli(['configure', 'export-credentials', '--profile', PROFILE], awsCliEnv(home, dataPath));
    expect(exported.code, exported.stderr).toBe(0);
    // botocore refreshed (under 15 minutes left) with the file's refresh token and client, and saved the result.
    const after = readCache(home.dir);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.clientId).toBe(before.clientId);
    const stats = await calls(emulator);
    expect(stats.CreateToken).toBe(1);
    expect(stats.GetRoleCredentials).toBe(1);
  });
});

describe('the opt-in across a daemon restart (SessionManager over one secret store)', () => {
  let emulator: RunningEmulator;
  let cacheDir: string;
  let session: SsoSessionConfig;
  const savedEnv = { ...process.env };
  const quiet: Logger = { info: () => undefined, warn: () => undefined };

  beforeAll(async () => {
    // 20-minute tokens: outside the 10-minute refresh window, so only an explicit refresh runs.
    emulator = await startTestEmulator({ autoApprove: true, tokenTtl: 1200 });
    Object.assign(process.env, { AWS_ENDPOINT_URL_SSO: emulator.url, AWS_ENDPOINT_URL_SSO_OIDC: emulator.url, AWS_EC2_METADATA_DISABLED: 'true' });
    cacheDir = join(mkdtempSync(join(tmpdir(), 'kf-awscache-')), '.aws', 'sso', 'cache');
    session = { name: SESSION, startUrl: emulator.startUrl, region: emulator.region, scopes: ['sso:account:access'] };
  });
  afterAll(async () => {
    process.env = savedEnv;
    rmSync(join(cacheDir, '..', '..', '..'), { recursive: true, force: true });
    await emulator?.close();
  });

  it('a restarted daemon keeps the file current, and takes over a token the AWS CLI refreshed', async () => {
    const store = memoryStore(); // stands in for the keychain, which outlives the daemon
    const first = new SessionManager(store, quiet, { awsCliCacheDir: cacheDir });
    await first.login(session, 'device', () => undefined, { exportToAwsCli: true });
    const written = await readAwsCliToken(cacheDir, SESSION);
    first.close();

    const restarted = new SessionManager(store, quiet, { awsCliCacheDir: cacheDir });
    // The portal refused the token: the restarted manager refreshes and, remembering the opt-in, rewrites the file.
    const refreshed = await restarted.tokenRejected(session, written!.accessToken);
    expect(refreshed).not.toBe(written!.accessToken);
    expect((await readAwsCliToken(cacheDir, SESSION))?.accessToken).toBe(refreshed);

    // Now the AWS CLI refreshes on its own, as botocore does, and saves its token to the file.
    await new Promise((r) => setTimeout(r, 1100)); // its expiry, in whole seconds, must be later than ours
    const cached = (await readAwsCliToken(cacheDir, SESSION))!;
    const { oidc } = sdkClients(emulator);
    const cliToken = await oidc.send(
      new CreateTokenCommand({ grantType: 'refresh_token', clientId: cached.clientId, clientSecret: cached.clientSecret, refreshToken: cached.refreshToken }),
    );
    const cliExpiresAt = new Date(Date.now() + cliToken.expiresIn! * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    writeFileSync(join(cacheDir, readdirSync(cacheDir)[0]!), JSON.stringify({ ...cached, accessToken: cliToken.accessToken, expiresAt: cliExpiresAt, refreshToken: cliToken.refreshToken }));
    await adminCall(emulator, 'reset-stats');
    // keyfob's next refresh adopts the CLI's newer token instead of spending its own refresh token.
    expect(await restarted.tokenRejected(session, refreshed)).toBe(cliToken.accessToken);
    expect((await calls(emulator)).CreateToken ?? 0).toBe(0);

    // logout forgets the opt-in and removes the file.
    await restarted.logout(session);
    expect(readdirSync(cacheDir)).toEqual([]);
    restarted.close();
  });
});
