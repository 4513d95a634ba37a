// The credential service's chains on a fake STS and a fake IAM Identity Center: one flight and one
// cached link per link of a chain, one MFA code per MFA session (never per role), cache keys that
// keep a role without MFA from serving one that needs it, STS's one-hour cap for role chaining
// (a note, not an error), and botocore's one-line errors for loops and missing sources.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigCache } from '../../src/daemon/server/configCache.js';
import { CredentialService } from '../../src/daemon/server/credentialService.js';
import { iamUserKey, IAM_USERS_INDEX } from '../../src/store/iamUserKeys.js';
import { MfaRequiredError, type KeyfobError } from '../../src/core/errors.js';
import { SessionManager } from '../../src/signin/sessions.js';
import { memoryStore, type SecretStore } from '../../src/store/index.js';
import { FakeIdentityCenter, quietLog, session } from './fakeIdentityCenter.js';
import { FakeSts, GOOD_CODE } from './fakeSts.js';

const corp = session();
const CI_SERIAL = 'arn:aws:iam::543210987654:mfa/ci-deployer';
const DEPLOY = 'arn:aws:iam::210987654321:role/Deploy';
const QA_DEPLOY = 'arn:aws:iam::321098765432:role/Deploy';
const AUDITOR = 'arn:aws:iam::432109876543:role/Auditor';
const BREAK_GLASS = 'arn:aws:iam::432109876543:role/BreakGlass';
const CI_KEYS = { accessKeyId: 'AKIAKEYFOBDEMO000001', secretAccessKey: 'keyfobDemoSecretAccessKey0000000000000001' };
const PLAIN_KEYS = { accessKeyId: 'AKIAKEYFOBPLAIN00002', secretAccessKey: 'keyfobPlainSecretAccessKey000000000000002' };
const STATIC_KEYS = { accessKeyId: 'AKIASTATIC0000000003', secretAccessKey: 'staticSecretAccessKey0000000000000000003' };
const KEYFOB_LINE = (p: string) => `credential_process = /opt/keyfob/bin/keyfob credential-process --profile ${p}`;

const CONFIG = `
[sso-session corp]
sso_start_url = ${corp.startUrl}
sso_region = ${corp.region}
sso_registration_scopes = sso:account:access

[profile sec-admin]
keyfob_sso_session = corp
keyfob_account_id = 543210987654
keyfob_role_name = AdministratorAccess

[profile legacy-admin]
sso_start_url = ${corp.startUrl}/
sso_region = ${corp.region}
sso_account_id = 543210987654
sso_role_name = AdministratorAccess

[profile deploy]
role_arn = ${DEPLOY}
source_profile = sec-admin
role_session_name = alice

[profile auditor]
role_arn = ${AUDITOR}
source_profile = deploy
external_id = keyfob-demo-external-id

[profile deploy-long]
role_arn = ${DEPLOY}
source_profile = sec-admin
duration_seconds = 7200

[profile ci]
${KEYFOB_LINE('ci')}
mfa_serial = ${CI_SERIAL}

[profile ci-deploy]
role_arn = ${DEPLOY}
source_profile = ci

[profile ci-qa]
role_arn = ${QA_DEPLOY}
source_profile = ci
duration_seconds = 7200

[profile plain]
${KEYFOB_LINE('plain')}

[profile plain-deploy]
role_arn = ${DEPLOY}
source_profile = plain

[profile plain-breakglass]
role_arn = ${BREAK_GLASS}
source_profile = plain
mfa_serial = ${CI_SERIAL}

[profile static-deploy]
role_arn = ${DEPLOY}
source_profile = static

[profile loop-a]
role_arn = ${DEPLOY}
source_profile = loop-b

[profile loop-b]
role_arn = ${DEPLOY}
source_profile = loop-a

[profile orphan]
role_arn = ${DEPLOY}
source_profile = nowhere

[profile from-env]
role_arn = ${DEPLOY}
credential_source = Environment

[profile from-instance]
role_arn = ${DEPLOY}
credential_source = Ec2InstanceMetadata

[profile both]
role_arn = ${DEPLOY}
source_profile = sec-admin
credential_source = Environment

[profile refused]
role_arn = arn:aws:iam::432109876543:role/Nobody
source_profile = sec-admin
`;

const CREDENTIALS = `[static]\naws_access_key_id = ${STATIC_KEYS.accessKeyId}\naws_secret_access_key = ${STATIC_KEYS.secretAccessKey}\n`;

let dir: string;
let fake: FakeIdentityCenter;
let sts: FakeSts;
let sessions: SessionManager;
let keys: SecretStore;
let service: CredentialService;
let file: ConfigCache;

beforeEach(async () => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  dir = mkdtempSync(join(tmpdir(), 'keyfob-chains-'));
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, 'config'), CONFIG, { mode: 0o600 });
  writeFileSync(join(dir, 'credentials'), CREDENTIALS, { mode: 0o600 });
  file = new ConfigCache(join(dir, 'config'), join(dir, 'credentials'));
  fake = new FakeIdentityCenter();
  fake.credentialLifetimeMs = 4 * 60 * 60_000;
  sts = new FakeSts();
  for (const k of [CI_KEYS, PLAIN_KEYS, STATIC_KEYS]) sts.users.set(k.accessKeyId, k.secretAccessKey);
  sts.needMfa.add(BREAK_GLASS);
  sts.refusing.add('arn:aws:iam::432109876543:role/Nobody');
  sessions = new SessionManager(memoryStore(), quietLog, { identityCenter: fake, awsCliCacheDir: join(dir, 'no-cli-cache') });
  keys = memoryStore();
  service = new CredentialService(sessions, quietLog, fake, { sts, store: keys });
  await sessions.login(corp, 'device', () => undefined);
  await service.storeIamUser('ci', CI_KEYS);
  await service.storeIamUser('plain', PLAIN_KEYS);
});
afterEach(() => {
  service.close();
  sessions.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<KeyfobError> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as KeyfobError;
  expect(err, 'expected a refusal').toBeDefined();
  expect(err.message).not.toContain('\n');
  return err;
}

describe('role chains', () => {
  it('50 concurrent requests for a two-link chain: one GetRoleCredentials, one AssumeRole per link', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => service.forProfile(file, 'auditor')));
    expect(fake.calls.getRoleCredentials).toBe(1);
    expect(sts.assumeCalls.map((c) => c.roleArn)).toEqual([DEPLOY, AUDITOR]);
    expect(new Set(answers).size).toBe(1); // the very same object: its bytes can be cached by identity
    expect(answers[0]!.AccountId).toBe('432109876543');
    const [deploy, auditor] = sts.assumeCalls;
    expect(deploy!.roleSessionName).toBe('alice');
    expect(auditor!.externalId).toBe('keyfob-demo-external-id');
    expect(auditor!.caller).toBe(deploy && (await service.forProfile(file, 'deploy')).AccessKeyId);
    expect(sts.assumeCalls).toHaveLength(2); // deploy was a cached link already
  });

  it('50 concurrent requests for two roles chained from one IAM user: one GetSessionToken, one AssumeRole each', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => service.forProfile(file, i % 2 ? 'plain-deploy' : 'plain')));
    expect(sts.sessionCalls).toHaveLength(1);
    expect(sts.assumeCalls).toHaveLength(1);
    expect(sts.assumeCalls[0]!.caller).toBe(answers[0]!.AccessKeyId); // the role is assumed with the session, not the keys
    expect(answers.map((a) => a.AccessKeyId)).not.toContain(PLAIN_KEYS.accessKeyId); // long-term keys never leave
  });

  it('an MFA code is asked once for every role chained from the user, and again only when the session nears its end', async () => {
    const first = await refusal(service.forProfile(file, 'ci-deploy'));
    expect(first).toBeInstanceOf(MfaRequiredError);
    expect(first).toMatchObject({ code: 'MfaRequired', status: 428, mfaProfile: 'ci', mfaSerial: CI_SERIAL });
    expect(sts.sessionCalls).toHaveLength(0); // no call without the code
    await service.submitMfaCode(file, 'ci', GOOD_CODE, 'ci-deploy');
    expect(sts.sessionCalls).toEqual([{ caller: CI_KEYS.accessKeyId, serialNumber: CI_SERIAL, tokenCode: GOOD_CODE }]);
    // A code is one-time: another MFA session on the same device asks its own.
    expect(await refusal(service.forProfile(file, 'plain-breakglass'))).toBeInstanceOf(MfaRequiredError);
    // Every role from the same user, and the user itself, now without a code.
    await Promise.all(Array.from({ length: 50 }, (_, i) => service.forProfile(file, ['ci-deploy', 'ci-qa', 'ci'][i % 3]!)));
    expect(sts.sessionCalls).toHaveLength(1);
    expect(sts.assumeCalls.map((c) => c.roleArn).sort()).toEqual([DEPLOY, QA_DEPLOY]);
    // Hours later the roles renew from the same session, still without a code...
    vi.setSystemTime(Date.now() + 10 * 60 * 60_000);
    await service.forProfile(file, 'ci-deploy');
    expect(sts.assumeCalls).toHaveLength(3);
    expect(sts.sessionCalls).toHaveLength(1);
    // ...until the 12-hour session nears its end: then the code is asked again.
    vi.setSystemTime(Date.UTC(2026, 0, 1) + 12 * 60 * 60_000 - 10 * 60_000);
    expect(await refusal(service.forProfile(file, 'ci-qa'))).toBeInstanceOf(MfaRequiredError);
  });

  it("a role without MFA does not poison the cache for a role that needs it: the MFA session is keyed by its device", async () => {
    await service.forProfile(file, 'plain-deploy');
    expect(sts.sessionCalls).toEqual([{ caller: PLAIN_KEYS.accessKeyId }]);
    const err = await refusal(service.forProfile(file, 'plain-breakglass'));
    expect(err).toMatchObject({ code: 'MfaRequired', mfaProfile: 'plain-breakglass', mfaSerial: CI_SERIAL });
    await service.submitMfaCode(file, 'plain-breakglass', GOOD_CODE);
    expect(sts.sessionCalls).toHaveLength(2);
    expect(sts.sessionCalls[1]).toMatchObject({ serialNumber: CI_SERIAL, tokenCode: GOOD_CODE });
    expect(sts.assumeCalls.at(-1)).toMatchObject({ roleArn: BREAK_GLASS });
    expect(sts.assumeCalls.at(-1)!.serialNumber).toBeUndefined(); // the session carries the MFA
  });

  it('a wrong MFA code is one line that names the profile; the next code works', async () => {
    await refusal(service.forProfile(file, 'ci'));
    const err = await refusal(service.submitMfaCode(file, 'ci', '000000'));
    expect(err.code).toBe('MfaFailed');
    expect(err.message).toContain('profile "ci"');
    await service.submitMfaCode(file, 'ci', GOOD_CODE);
    expect((await service.forProfile(file, 'ci')).SessionToken).toMatch(/^token-/);
  });

  it('a role chained from a role session is capped at one hour: a note, not an error', async () => {
    const answer = await service.assume(file, 'deploy-long');
    expect(sts.assumeCalls[0]!.durationSeconds).toBe(3600);
    expect(answer.note).toMatch(/7200 s reduced to 3600 s.*role chaining/);
    // duration= asks for more: capped the same way, and a link of its own.
    const asked = await service.assume(file, 'deploy', { durationSeconds: 43200 });
    expect(sts.assumeCalls.at(-1)).toMatchObject({ roleArn: DEPLOY, durationSeconds: 3600, roleSessionName: 'alice' });
    expect(asked.note).toMatch(/43200 s reduced to 3600 s/);
    // From an IAM user's session it is no chaining: 7200 s stands.
    await service.submitMfaCode(file, 'ci', GOOD_CODE).catch(() => undefined);
    await service.forProfile(file, 'ci-qa');
    expect(sts.assumeCalls.at(-1)).toMatchObject({ roleArn: QA_DEPLOY, durationSeconds: 7200 });
    // An SSO profile: the permission set decides; a note says so.
    expect((await service.assume(file, 'sec-admin', { durationSeconds: 7200 })).note).toMatch(/permission set/);
  });

  it('logout drops the chains built on the session; keyfob add drops what the old keys made', async () => {
    const before = await service.forProfile(file, 'auditor');
    await service.forProfile(file, 'plain-deploy');
    expect(service.cachedChains().map((c) => c.profile).sort()).toEqual(['auditor', 'deploy', 'plain', 'plain-deploy']);
    service.dropSession('corp');
    expect(service.cachedChains().map((c) => c.profile).sort()).toEqual(['plain', 'plain-deploy']);
    expect((await service.forProfile(file, 'auditor')).AccessKeyId).not.toBe(before.AccessKeyId);
    // Stored keys are the only copy: replaced only with force (keyfob add --force), and a refusal drops nothing.
    await expect(service.storeIamUser('plain', PLAIN_KEYS)).rejects.toThrow('keys are already stored for profile "plain", and the keychain holds the only copy; to replace them, run: keyfob add plain --force');
    expect(service.cachedChains().map((c) => c.profile).sort()).toEqual(['auditor', 'deploy', 'plain', 'plain-deploy']);
    await service.storeIamUser('plain', PLAIN_KEYS, { force: true });
    expect(service.cachedChains().map((c) => c.profile).sort()).toEqual(['auditor', 'deploy']);
  });

  it('static keys and legacy profiles are sources too', async () => {
    const viaStatic = await service.forProfile(file, 'static-deploy');
    expect(sts.assumeCalls[0]).toMatchObject({ roleArn: DEPLOY, caller: STATIC_KEYS.accessKeyId });
    expect(viaStatic.AccountId).toBe('210987654321');
    const staticAnswer = await service.forProfile(file, 'static');
    expect(staticAnswer).toEqual({ Version: 1, ...{ AccessKeyId: STATIC_KEYS.accessKeyId, SecretAccessKey: STATIC_KEYS.secretAccessKey } });
    // sso_start_url on the profile: the [sso-session] with that portal signs in for it.
    await service.forProfile(file, 'legacy-admin');
    expect(service.describe(file, 'legacy-admin')).toMatchObject({ kind: 'sso', ssoSession: 'corp', accountId: '543210987654' });
  });
});

describe('one-line errors naming the profile and the fix', () => {
  it.each([
    ['loop-a', /Infinite loop.*loop-a.*fix source_profile/],
    ['orphan', /source_profile "nowhere" referenced in the profile "orphan" does not exist/],
    ['from-instance', /profile "from-instance" has credential_source = Ec2InstanceMetadata, which keyfob does not serve \(only Environment\)/],
    ['both', /profile "both" contains both source_profile and credential_source/],
  ])('%s', async (name, message) => {
    const err = await refusal(service.forProfile(file, name));
    expect(err.code).toBe('ConfigError');
    expect(err.message).toMatch(message);
  });

  it('credential_source = Environment: asks for the caller\'s keys, then assumes with them, one link per pair of keys', async () => {
    const err = await refusal(service.forProfile(file, 'from-env'));
    expect(err.code).toBe('NeedsEnvironment');
    expect(err.message).toBe(
      'profile "from-env" takes its source keys from the environment (credential_source = Environment), and none came with the request; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY where you run it',
    );
    const first = await service.forProfile(file, 'from-env', { environment: STATIC_KEYS });
    expect(await service.forProfile(file, 'from-env', { environment: STATIC_KEYS })).toBe(first);
    expect(sts.assumeCalls.map((c) => [c.caller, c.roleArn])).toEqual([[STATIC_KEYS.accessKeyId, DEPLOY]]);
    // Other keys in another caller's environment: their own link, never the first caller's answer.
    const other = await service.forProfile(file, 'from-env', { environment: PLAIN_KEYS });
    expect(other.AccessKeyId).not.toBe(first.AccessKeyId);
    expect(sts.assumeCalls.map((c) => c.caller)).toEqual([STATIC_KEYS.accessKeyId, PLAIN_KEYS.accessKeyId]);
  });

  it('a role whose trust refuses the caller', async () => {
    const err = await refusal(service.forProfile(file, 'refused'));
    expect(err.code).toBe('StsRefused');
    expect(err.message).toMatch(/not authorized to perform: sts:AssumeRole.*trust policy.*profile "refused"/);
  });

  it('an expired source session is renewed once, and the role assumed again', async () => {
    await service.forProfile(file, 'plain-deploy');
    // The session expires under the cached role link (as after a suspend): STS says ExpiredToken.
    vi.setSystemTime(Date.now() + 13 * 60 * 60_000);
    (service as unknown as { graph: { links: Map<string, { kind: string; provider: { cached?: { expiration: number } } }> } }).graph.links.forEach((link) => {
      if (link.kind === 'session' && link.provider.cached) link.provider.cached.expiration = Date.now() + 3 * 60 * 60_000;
    });
    const answer = await service.forProfile(file, 'plain-deploy');
    expect(sts.sessionCalls).toHaveLength(2);
    const [, refused, renewed] = sts.assumeCalls;
    expect(refused!.caller).not.toBe(renewed!.caller); // assumed again with the new session
    expect(sts.assumeCalls).toHaveLength(3);
    expect(answer.AccountId).toBe('210987654321');
  });

  it('an IAM user profile without stored keys', async () => {
    await service.removeIamUser('plain');
    const err = await refusal(service.forProfile(file, 'plain'));
    expect(err.code).toBe('NoStoredKeys');
    expect(err.message).toContain('run: keyfob add plain');
  });
});

describe('IAM users in the secret store', () => {
  it('keeps keys under iam-user:PROFILE and names only in the index', async () => {
    expect(JSON.parse((await keys.get(iamUserKey('ci')))!)).toEqual(CI_KEYS);
    expect(JSON.parse((await keys.get(IAM_USERS_INDEX))!)).toEqual(['ci', 'plain']);
    expect(await service.iamUsers()).toEqual(['ci', 'plain']);
    expect(await service.removeIamUser('ci')).toBe(true);
    expect(await service.removeIamUser('ci')).toBe(false);
    expect(await service.iamUsers()).toEqual(['plain']);
  });
});

describe('keyfob list', () => {
  it("shows the cached expiry of a chain and of its source, also after the config was edited", async () => {
    await service.forProfile(file, 'deploy');
    const expiryOf = (name: string) => service.listing(file).find((p) => p.name === name)?.expiration;
    expect(expiryOf('deploy')).toMatch(/^2026-01-01T/);
    expect(expiryOf('sec-admin')).toMatch(/^2026-01-01T/); // fetched only as deploy's source
    expect(expiryOf('auditor')).toBeUndefined(); // never asked for
    // An edit makes a new parse; the credentials cached before it are still the same links.
    writeFileSync(join(dir, 'config'), `${CONFIG}\n[profile added]\nregion = eu-west-1\n`, { mode: 0o600 });
    vi.advanceTimersByTime(1000);
    file.fresh();
    expect(expiryOf('deploy')).toMatch(/^2026-01-01T/);
    expect(expiryOf('sec-admin')).toMatch(/^2026-01-01T/);
    expect(sts.assumeCalls).toHaveLength(1); // listing fetched nothing
  });

  it('lists a section that only sets defaults (a plain [default]) as settings, never as broken', () => {
    const extra = '\n[default]\nregion = eu-west-1\noutput = json\n\n[profile mfa-only]\nmfa_serial = x\nregion = eu-west-1\n';
    writeFileSync(join(dir, 'config'), `${CONFIG}${extra}`, { mode: 0o600 });
    vi.advanceTimersByTime(1000);
    file.fresh();
    const listed = service.listing(file);
    expect(listed.find((p) => p.name === 'default')).toEqual({ name: 'default', kind: 'settings', source: 'region, output' });
    // A section with a credential key but no way to credentials is still an error, as is a broken chain.
    expect(listed.find((p) => p.name === 'mfa-only')?.error).toMatch(/no credentials keyfob can use/);
    expect(listed.find((p) => p.name === 'orphan')?.error).toBeDefined();
  });
});
