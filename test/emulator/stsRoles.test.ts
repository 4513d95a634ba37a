// STS AssumeRole, GetSessionToken and GetCallerIdentity through the JS SDK's STSClient, against the
// default fixture's roles: the SSO → Deploy → Auditor chain, the IAM user ci-deployer with MFA,
// and STS's refusals (trust, external id, MFA, durations, expired and session credentials).
import { GetRoleCredentialsCommand } from '@aws-sdk/client-sso';
import { AssumeRoleCommand, type AssumeRoleCommandInput, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/emulator/mfa.js';
import { adminCall, DEMO_IAM_USER, defaultFixture, type RunningEmulator, sdkClients, signInWithDevice, startTestEmulator, wrongTotpCode } from '../helpers/emulator.js';

const ACCOUNTS = { Development: '210987654321', Production: '432109876543', Security: '543210987654' } as const;
const ROLES = {
  devDeploy: `arn:aws:iam::${ACCOUNTS.Development}:role/Deploy`,
  auditor: `arn:aws:iam::${ACCOUNTS.Production}:role/Auditor`,
  breakGlass: `arn:aws:iam::${ACCOUNTS.Production}:role/BreakGlass`,
} as const;
const EXTERNAL_ID = 'keyfob-demo-external-id';

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

let emulator: RunningEmulator;
let accessToken: string;

const sts = (credentials: Keys, target: RunningEmulator = emulator) =>
  new STSClient({ endpoint: target.url, region: target.region, credentials, maxAttempts: 1 });
const userKeys: Keys = { accessKeyId: DEMO_IAM_USER.accessKeyId, secretAccessKey: DEMO_IAM_USER.secretAccessKey };

async function ssoCredentials(target: RunningEmulator, token: string, accountId: string, roleName: string): Promise<Keys> {
  const { roleCredentials } = await sdkClients(target).sso.send(new GetRoleCredentialsCommand({ accessToken: token, accountId, roleName }));
  return { accessKeyId: roleCredentials!.accessKeyId!, secretAccessKey: roleCredentials!.secretAccessKey!, sessionToken: roleCredentials!.sessionToken! };
}

async function assume(caller: Keys, input: AssumeRoleCommandInput, target: RunningEmulator = emulator) {
  const answer = await sts(caller, target).send(new AssumeRoleCommand(input));
  const c = answer.Credentials!;
  return { answer, keys: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } as Keys };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('STS answered'), (err) => err);
const whoAmI = (keys: Keys) => sts(keys).send(new GetCallerIdentityCommand({}));
const notAuthorized = (callerArn: string, roleArn: string) => `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;

beforeAll(async () => {
  emulator = await startTestEmulator();
  accessToken = (await signInWithDevice(emulator)).accessToken!;
});
afterAll(() => emulator?.close());

describe('AssumeRole: a two-link chain from SSO role credentials', () => {
  it('Security AdministratorAccess → Development Deploy → Production Auditor (external id), with their ARNs', async () => {
    const sso = await ssoCredentials(emulator, accessToken, ACCOUNTS.Security, 'AdministratorAccess');
    const before = Date.now();
    const deploy = await assume(sso, { RoleArn: ROLES.devDeploy, RoleSessionName: 'alice' });
    expect(deploy.answer.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNTS.Development}:assumed-role/Deploy/alice`);
    expect(deploy.answer.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:alice$/);
    expect(deploy.keys.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    // The default is 3600 s, whole seconds as STS writes them.
    const lifetime = deploy.answer.Credentials!.Expiration!.getTime() - before;
    expect(lifetime).toBeGreaterThan(3600_000 - 5000);
    expect(lifetime).toBeLessThanOrEqual(3600_000 + 1000);

    const auditor = await assume(deploy.keys, { RoleArn: ROLES.auditor, RoleSessionName: 'audit', ExternalId: EXTERNAL_ID });
    expect(auditor.answer.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNTS.Production}:assumed-role/Auditor/audit`);

    const identity = await whoAmI(auditor.keys);
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNTS.Production}:assumed-role/Auditor/audit`);
    expect(identity.Account).toBe(ACCOUNTS.Production);
    expect(identity.UserId).toBe(auditor.answer.AssumedRoleUser!.AssumedRoleId);
    expect((await whoAmI(deploy.keys)).Arn).toBe(`arn:aws:sts::${ACCOUNTS.Development}:assumed-role/Deploy/alice`);
  });

  it('refuses Auditor with a wrong or missing external id, and Deploy to a caller its trust does not name', async () => {
    const sso = await ssoCredentials(emulator, accessToken, ACCOUNTS.Security, 'AdministratorAccess');
    const deploy = await assume(sso, { RoleArn: ROLES.devDeploy, RoleSessionName: 'alice' });
    const deployArn = `arn:aws:sts::${ACCOUNTS.Development}:assumed-role/Deploy/alice`;
    for (const ExternalId of ['not-the-external-id', undefined]) {
      const err = await refusal(assume(deploy.keys, { RoleArn: ROLES.auditor, RoleSessionName: 'audit', ExternalId }));
      expect(err.name).toBe('AccessDenied');
      expect(err.$metadata.httpStatusCode).toBe(403);
      expect(err.message).toBe(notAuthorized(deployArn, ROLES.auditor));
    }
    // ReadOnlyAccess is not AdministratorAccess; AdministratorAccess of another account is not Security's.
    const readOnly = await ssoCredentials(emulator, accessToken, ACCOUNTS.Security, 'ReadOnlyAccess');
    const otherAdmin = await ssoCredentials(emulator, accessToken, ACCOUNTS.Development, 'AdministratorAccess');
    for (const caller of [readOnly, otherAdmin]) {
      const callerArn = (await whoAmI(caller)).Arn!;
      const err = await refusal(assume(caller, { RoleArn: ROLES.devDeploy, RoleSessionName: 'alice' }));
      expect(err.name).toBe('AccessDenied');
      expect(err.message).toBe(notAuthorized(callerArn, ROLES.devDeploy));
    }
    // A role the fixture does not have is refused the same way.
    const missing = `arn:aws:iam::${ACCOUNTS.Production}:role/NoSuchRole`;
    const err = await refusal(assume(sso, { RoleArn: missing, RoleSessionName: 'alice' }));
    expect(err.message).toBe(notAuthorized((await whoAmI(sso)).Arn!, missing));
  });

  it('caps a chained session at one hour, and holds DurationSeconds to the role bounds', async () => {
    const sso = await ssoCredentials(emulator, accessToken, ACCOUNTS.Security, 'AdministratorAccess');
    const chained = await refusal(assume(sso, { RoleArn: ROLES.devDeploy, RoleSessionName: 'alice', DurationSeconds: 7200 }));
    expect(chained.name).toBe('ValidationError');
    expect(chained.$metadata.httpStatusCode).toBe(400);
    expect(chained.message).toBe('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');

    const tooShort = await refusal(assume(sso, { RoleArn: ROLES.devDeploy, RoleSessionName: 'alice', DurationSeconds: 899 }));
    expect(tooShort.name).toBe('ValidationError');
    expect(tooShort.message).toContain("Value '899' at 'durationSeconds'");

    // BreakGlass allows 12 hours, but not 12 hours and a second (from a user's MFA session: not a chain).
    const session = await sts(userKeys).send(new GetSessionTokenCommand({ SerialNumber: DEMO_IAM_USER.mfaSerial, TokenCode: totp(DEMO_IAM_USER.totpSecret) }));
    const sessionKeys = { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! };
    const tooLong = await refusal(assume(sessionKeys, { RoleArn: ROLES.breakGlass, RoleSessionName: 'oncall', DurationSeconds: 43201 }));
    expect(tooLong.name).toBe('ValidationError');
    // Deploy's MaxSessionDuration is one hour.
    const overMax = await refusal(
      assume(userKeys, { RoleArn: `arn:aws:iam::${ACCOUNTS.Production}:role/Deploy`, RoleSessionName: 'ci', DurationSeconds: 7200, SerialNumber: DEMO_IAM_USER.mfaSerial, TokenCode: totp(DEMO_IAM_USER.totpSecret) }),
    );
    expect(overMax.name).toBe('ValidationError');
    expect(overMax.message).toBe('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  });
});

describe('the IAM user ci-deployer and MFA', () => {
  const userArn = `arn:aws:iam::${DEMO_IAM_USER.accountId}:user/${DEMO_IAM_USER.name}`;

  it('answers GetCallerIdentity for long-term keys with the user ARN', async () => {
    const identity = await whoAmI(userKeys);
    expect(identity.Arn).toBe(userArn);
    expect(identity.Account).toBe(DEMO_IAM_USER.accountId);
    expect(identity.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
  });

  it('GetSessionToken with a TOTP code, then AssumeRole BreakGlass for 12 hours without a code', async () => {
    const before = Date.now();
    const session = await sts(userKeys).send(new GetSessionTokenCommand({ SerialNumber: DEMO_IAM_USER.mfaSerial, TokenCode: totp(DEMO_IAM_USER.totpSecret) }));
    const lifetime = session.Credentials!.Expiration!.getTime() - before;
    expect(lifetime).toBeGreaterThan(43200_000 - 5000); // the default, 12 hours
    expect(lifetime).toBeLessThanOrEqual(43200_000 + 1000);
    const keys = { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! };
    expect((await whoAmI(keys)).Arn).toBe(userArn);

    const breakGlass = await assume(keys, { RoleArn: ROLES.breakGlass, RoleSessionName: 'oncall', DurationSeconds: 43200 });
    expect(breakGlass.answer.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNTS.Production}:assumed-role/BreakGlass/oncall`);
    expect((await whoAmI(breakGlass.keys)).Arn).toBe(`arn:aws:sts::${ACCOUNTS.Production}:assumed-role/BreakGlass/oncall`);
  });

  it('AssumeRole straight from long-term keys with SerialNumber and TokenCode', async () => {
    const deploy = await assume(userKeys, { RoleArn: ROLES.devDeploy, RoleSessionName: 'ci', SerialNumber: DEMO_IAM_USER.mfaSerial, TokenCode: totp(DEMO_IAM_USER.totpSecret) });
    expect(deploy.answer.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNTS.Development}:assumed-role/Deploy/ci`);
  });

  it('refuses BreakGlass without MFA: long-term keys, and a session from GetSessionToken without a code', async () => {
    const plain = await refusal(assume(userKeys, { RoleArn: ROLES.breakGlass, RoleSessionName: 'oncall' }));
    expect(plain.name).toBe('AccessDenied');
    expect(plain.message).toBe(notAuthorized(userArn, ROLES.breakGlass));
    const session = await sts(userKeys).send(new GetSessionTokenCommand({}));
    const keys = { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! };
    const err = await refusal(assume(keys, { RoleArn: ROLES.breakGlass, RoleSessionName: 'oncall' }));
    expect(err.name).toBe('AccessDenied');
    expect(err.message).toBe(notAuthorized(userArn, ROLES.breakGlass));
  });

  it('refuses a wrong code, and a device that is not the caller’s', async () => {
    const code = wrongTotpCode(DEMO_IAM_USER.totpSecret);
    for (const send of [
      () => sts(userKeys).send(new GetSessionTokenCommand({ SerialNumber: DEMO_IAM_USER.mfaSerial, TokenCode: code })),
      () => assume(userKeys, { RoleArn: ROLES.breakGlass, RoleSessionName: 'oncall', SerialNumber: DEMO_IAM_USER.mfaSerial, TokenCode: code }),
    ]) {
      const err = await refusal(send());
      expect(err.name).toBe('AccessDenied');
      expect(err.$metadata.httpStatusCode).toBe(403);
      expect(err.message).toBe('MultiFactorAuthentication failed with invalid MFA one time pass code.');
    }
    const foreign = await refusal(
      sts(userKeys).send(new GetSessionTokenCommand({ SerialNumber: `arn:aws:iam::${DEMO_IAM_USER.accountId}:mfa/someone-else`, TokenCode: totp(DEMO_IAM_USER.totpSecret) })),
    );
    expect(foreign.name).toBe('AccessDenied');
    expect(foreign.message).toMatch(/^MultiFactorAuthentication failed, unable to validate MFA code/);
  });

  it('refuses GetSessionToken to session credentials', async () => {
    const sso = await ssoCredentials(emulator, accessToken, ACCOUNTS.Security, 'AdministratorAccess');
    const session = await sts(userKeys).send(new GetSessionTokenCommand({}));
    const userSession = { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! };
    for (const caller of [sso, userSession]) {
      const err = await refusal(sts(caller).send(new GetSessionTokenCommand({})));
      expect(err.name).toBe('AccessDenied');
      expect(err.message).toBe('Cannot call GetSessionToken with session credentials');
    }
  });

  it('refuses an unknown access key, and a long-term key signed with the wrong secret', async () => {
    const unknown = await refusal(whoAmI({ accessKeyId: 'AKIAKEYFOBDEMO999999', secretAccessKey: DEMO_IAM_USER.secretAccessKey }));
    expect(unknown.name).toBe('InvalidClientTokenId');
    const wrong = await refusal(whoAmI({ accessKeyId: DEMO_IAM_USER.accessKeyId, secretAccessKey: `x${DEMO_IAM_USER.secretAccessKey.slice(1)}` }));
    expect(wrong.name).toBe('SignatureDoesNotMatch');
  });
});

describe('lifetimes, expiry, stats and faults', () => {
  it('shortens AssumeRole and GetSessionToken to lifetimes.credentialSeconds, and then answers ExpiredToken', async () => {
    const fixture = defaultFixture();
    fixture.lifetimes = { ...fixture.lifetimes, credentialSeconds: 1 };
    const short = await startTestEmulator({ fixture });
    try {
      const session = await sts(userKeys, short).send(new GetSessionTokenCommand({ SerialNumber: DEMO_IAM_USER.mfaSerial, TokenCode: totp(DEMO_IAM_USER.totpSecret) }));
      const keys = { accessKeyId: session.Credentials!.AccessKeyId!, secretAccessKey: session.Credentials!.SecretAccessKey!, sessionToken: session.Credentials!.SessionToken! };
      expect(session.Credentials!.Expiration!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
      const breakGlass = await assume(keys, { RoleArn: ROLES.breakGlass, RoleSessionName: 'oncall' }, short);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      for (const expired of [keys, breakGlass.keys]) {
        const err = await refusal(assume(expired, { RoleArn: ROLES.breakGlass, RoleSessionName: 'again' }, short));
        expect(err.name).toBe('ExpiredToken');
        expect(err.$metadata.httpStatusCode).toBe(400);
      }
    } finally {
      await short.close();
    }
  });

  it('counts AssumeRole and GetSessionToken per operation, and applies latency and status faults to them', async () => {
    expect((await adminCall(emulator, 'reset-stats', {})).status).toBe(200);
    const sso = await ssoCredentials(emulator, accessToken, ACCOUNTS.Security, 'AdministratorAccess');
    const deploy = await assume(sso, { RoleArn: ROLES.devDeploy, RoleSessionName: 'alice' });
    await assume(deploy.keys, { RoleArn: ROLES.auditor, RoleSessionName: 'audit', ExternalId: EXTERNAL_ID });
    await sts(userKeys).send(new GetSessionTokenCommand({}));
    await whoAmI(userKeys);
    const { calls } = (await adminCall(emulator, 'stats')).body;
    expect(calls).toMatchObject({ GetRoleCredentials: 1, AssumeRole: 2, GetSessionToken: 1, GetCallerIdentity: 1 });

    await adminCall(emulator, 'faults', { operation: 'AssumeRole', latencyMs: 400 });
    const started = Date.now();
    await assume(sso, { RoleArn: ROLES.devDeploy, RoleSessionName: 'alice' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    await adminCall(emulator, 'faults', { operation: 'GetSessionToken', status: 503 });
    const err = await refusal(sts(userKeys).send(new GetSessionTokenCommand({})));
    expect(err.name).toBe('ServiceUnavailable');
    expect((await whoAmI(userKeys)).Arn).toContain(':user/ci-deployer'); // other operations are untouched
  });
});
