// The AWS CLI v2 (botocore) as STS's client: assume-role, get-session-token and get-caller-identity
// against the emulator, with the error shapes botocore parses. The Debian CLI (2.9) predates
// AWS_ENDPOINT_URL_STS, so every call names the emulator with --endpoint-url.
import { GetRoleCredentialsCommand } from '@aws-sdk/client-sso';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/emulator/mfa.js';
import { awsCliAvailable, awsJson, runAwsCli, throwawayAwsHome } from '../helpers/awscli.js';
import { DEMO_IAM_USER, type RunningEmulator, sdkClients, signInWithDevice, startTestEmulator, wrongTotpCode } from '../helpers/emulator.js';

const DEVELOPMENT = '210987654321';
const PRODUCTION = '432109876543';
const SECURITY = '543210987654';
const DEV_DEPLOY = `arn:aws:iam::${DEVELOPMENT}:role/Deploy`;
const AUDITOR = `arn:aws:iam::${PRODUCTION}:role/Auditor`;
const BREAK_GLASS = `arn:aws:iam::${PRODUCTION}:role/BreakGlass`;
const USER_ARN = `arn:aws:iam::${SECURITY}:user/ci-deployer`;

type Keys = { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string };

describe.skipIf(!awsCliAvailable())('AWS CLI v2 against the emulator’s STS', () => {
  let emulator: RunningEmulator;
  let home: ReturnType<typeof throwawayAwsHome>;
  let ssoAdmin: Keys;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    home = throwawayAwsHome();
    const { accessToken } = await signInWithDevice(emulator);
    const { roleCredentials: c } = await sdkClients(emulator).sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: SECURITY, roleName: 'AdministratorAccess' }));
    ssoAdmin = { AccessKeyId: c!.accessKeyId!, SecretAccessKey: c!.secretAccessKey!, SessionToken: c!.sessionToken! };
  });
  afterAll(async () => {
    await emulator?.close();
    home?.cleanup();
  });

  const userKeys: Keys = { AccessKeyId: DEMO_IAM_USER.accessKeyId, SecretAccessKey: DEMO_IAM_USER.secretAccessKey };

  /** The CLI's environment with these credentials and nothing else of the caller's. */
  function envFor(keys: Keys, target = emulator): Record<string, string> {
    return {
      ...home.env,
      AWS_REGION: target.region,
      AWS_DEFAULT_REGION: target.region,
      AWS_ACCESS_KEY_ID: keys.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.SecretAccessKey,
      ...(keys.SessionToken ? { AWS_SESSION_TOKEN: keys.SessionToken } : {}),
    };
  }
  const sts = (keys: Keys, args: string[], target = emulator) => awsJson(['sts', ...args, `--endpoint-url=${target.url}`], envFor(keys, target));
  const stsFails = async (keys: Keys, args: string[], target = emulator) => {
    const result = await runAwsCli(['sts', ...args, `--endpoint-url=${target.url}`], envFor(keys, target));
    expect(result.code).not.toBe(0);
    return result.stderr;
  };

  it('chains Security AdministratorAccess → Development Deploy → Production Auditor with the external id', async () => {
    const deploy = await sts(ssoAdmin, ['assume-role', `--role-arn=${DEV_DEPLOY}`, '--role-session-name=alice']);
    expect(deploy.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${DEVELOPMENT}:assumed-role/Deploy/alice`);
    const auditor = await sts(deploy.Credentials, ['assume-role', `--role-arn=${AUDITOR}`, '--role-session-name=audit', '--external-id=keyfob-demo-external-id']);
    expect(auditor.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${PRODUCTION}:assumed-role/Auditor/audit`);
    const identity = await sts(auditor.Credentials, ['get-caller-identity']);
    expect(identity).toEqual({ UserId: auditor.AssumedRoleUser.AssumedRoleId, Account: PRODUCTION, Arn: `arn:aws:sts::${PRODUCTION}:assumed-role/Auditor/audit` });

    const wrongId = await stsFails(deploy.Credentials, ['assume-role', `--role-arn=${AUDITOR}`, '--role-session-name=audit', '--external-id=wrong-id']);
    expect(wrongId).toContain(
      `An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::${DEVELOPMENT}:assumed-role/Deploy/alice is not authorized to perform: sts:AssumeRole on resource: ${AUDITOR}`,
    );
    const chained = await stsFails(ssoAdmin, ['assume-role', `--role-arn=${DEV_DEPLOY}`, '--role-session-name=alice', '--duration-seconds=7200']);
    expect(chained).toContain('An error occurred (ValidationError) when calling the AssumeRole operation: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  });

  it('signs with ci-deployer’s long-term keys: get-caller-identity, get-session-token with MFA, then BreakGlass for 12 hours', async () => {
    expect((await sts(userKeys, ['get-caller-identity'])).Arn).toBe(USER_ARN);
    const session = await sts(userKeys, ['get-session-token', `--serial-number=${DEMO_IAM_USER.mfaSerial}`, `--token-code=${totp(DEMO_IAM_USER.totpSecret)}`]);
    expect(session.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect((await sts(session.Credentials, ['get-caller-identity'])).Arn).toBe(USER_ARN);
    const breakGlass = await sts(session.Credentials, ['assume-role', `--role-arn=${BREAK_GLASS}`, '--role-session-name=oncall', '--duration-seconds=43200']);
    expect(breakGlass.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${PRODUCTION}:assumed-role/BreakGlass/oncall`);
    expect(new Date(breakGlass.Credentials.Expiration).getTime() - Date.now()).toBeGreaterThan(43200_000 - 60_000);

    const noMfa = await stsFails(userKeys, ['assume-role', `--role-arn=${BREAK_GLASS}`, '--role-session-name=oncall']);
    expect(noMfa).toContain(`(AccessDenied) when calling the AssumeRole operation: User: ${USER_ARN} is not authorized to perform: sts:AssumeRole on resource: ${BREAK_GLASS}`);
    const wrongCode = await stsFails(userKeys, ['get-session-token', `--serial-number=${DEMO_IAM_USER.mfaSerial}`, `--token-code=${wrongTotpCode(DEMO_IAM_USER.totpSecret)}`]);
    expect(wrongCode).toContain('(AccessDenied) when calling the GetSessionToken operation: MultiFactorAuthentication failed with invalid MFA one time pass code.');
    const fromSession = await stsFails(session.Credentials, ['get-session-token']);
    expect(fromSession).toContain('(AccessDenied) when calling the GetSessionToken operation: Cannot call GetSessionToken with session credentials');
  });

  it('answers ExpiredToken for expired session credentials, and InvalidClientTokenId for an unknown key', async () => {
    const short = await startTestEmulator({ credentialTtl: 1 });
    try {
      const session = await sts(userKeys, ['get-session-token'], short);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(await stsFails(session.Credentials, ['get-caller-identity'], short)).toContain('An error occurred (ExpiredToken) when calling the GetCallerIdentity operation');
    } finally {
      await short.close();
    }
    const unknown = await stsFails({ ...userKeys, AccessKeyId: 'AKIAKEYFOBDEMO999999' }, ['get-caller-identity']);
    expect(unknown).toContain('(InvalidClientTokenId)');
  });
});
