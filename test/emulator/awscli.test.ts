// AWS CLI v2 as a black box: sso-oidc, sso and sts against the emulator with --endpoint-url.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, awsJson, runAwsCli, throwawayAwsHome } from '../helpers/awscli.js';
import { adminCall, type RunningEmulator, startTestEmulator } from '../helpers/emulator.js';

const available = awsCliAvailable();

describe.skipIf(!available)('AWS CLI v2 against the emulator', () => {
  let emulator: RunningEmulator;
  let home: ReturnType<typeof throwawayAwsHome>;
  let env: Record<string, string>;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    home = throwawayAwsHome();
    env = { ...home.env, AWS_REGION: emulator.region, AWS_DEFAULT_REGION: emulator.region };
  });
  afterAll(async () => {
    await emulator?.close();
    home?.cleanup();
  });

  it('signs in with the device flow, lists accounts, gets role credentials, and calls STS', async () => {
    const endpoint = [`--endpoint-url=${emulator.url}`];
    const client = await awsJson(
      ['sso-oidc', 'register-client', '--client-name', 'aws-cli-test', '--client-type', 'public', '--scopes', 'sso:account:access', ...endpoint],
      env,
    );
    expect(client.clientId).toBeTruthy();
    expect(typeof client.clientSecretExpiresAt).toBe('number');

    const device = await awsJson(
      ['sso-oidc', 'start-device-authorization', `--client-id=${client.clientId}`, `--client-secret=${client.clientSecret}`, `--start-url=${emulator.startUrl}`, ...endpoint],
      env,
    );
    expect(device.verificationUriComplete).toBe(`${emulator.url}/device?user_code=${device.userCode}`);

    const createToken = [
      'sso-oidc', 'create-token', `--client-id=${client.clientId}`, `--client-secret=${client.clientSecret}`,
      '--grant-type', 'urn:ietf:params:oauth:grant-type:device_code', `--device-code=${device.deviceCode}`, ...endpoint,
    ];
    const pending = await runAwsCli(createToken, env);
    expect(pending.code).not.toBe(0);
    expect(pending.stderr).toContain('AuthorizationPendingException');

    expect((await adminCall(emulator, 'approve', { userCode: device.userCode })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, device.interval * 1000)); // the protocol's polling interval, which the emulator enforces (SlowDown)
    const token = await awsJson(createToken, env);
    expect(token.tokenType).toBe('Bearer');
    expect(token.refreshToken).toBeTruthy();

    const accounts = await awsJson(['sso', 'list-accounts', `--access-token=${token.accessToken}`, ...endpoint], env);
    const names = accounts.accountList.map((a: { accountName: string }) => a.accountName);
    expect(names).toHaveLength(8);
    expect(names).toContain('Production');
    const production = accounts.accountList.find((a: { accountName: string }) => a.accountName === 'Production');

    const roles = await awsJson(['sso', 'list-account-roles', `--access-token=${token.accessToken}`, `--account-id=${production.accountId}`, ...endpoint], env);
    expect(roles.roleList.map((r: { roleName: string }) => r.roleName).sort()).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);

    const { roleCredentials } = await awsJson(
      ['sso', 'get-role-credentials', `--access-token=${token.accessToken}`, `--account-id=${production.accountId}`, '--role-name', 'ReadOnlyAccess', ...endpoint],
      env,
    );
    expect(roleCredentials.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(roleCredentials.expiration).toBeGreaterThan(Date.now());

    const credentialEnv = {
      ...env,
      AWS_ACCESS_KEY_ID: roleCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: roleCredentials.secretAccessKey,
      AWS_SESSION_TOKEN: roleCredentials.sessionToken,
    };
    const identity = await awsJson(['sts', 'get-caller-identity', ...endpoint], credentialEnv);
    expect(identity.Account).toBe(production.accountId);
    expect(identity.Arn).toMatch(new RegExp(`^arn:aws:sts::${production.accountId}:assumed-role/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}/alice$`));

    // (AWS CLI 2.9 predates AWS_ENDPOINT_URL_*: only --endpoint-url points it at the emulator.)
    const tampered = await runAwsCli(['sts', 'get-caller-identity', ...endpoint], { ...credentialEnv, AWS_SECRET_ACCESS_KEY: `${roleCredentials.secretAccessKey}x` });
    expect(tampered.code).not.toBe(0);
    expect(tampered.stderr).toContain('SignatureDoesNotMatch');
  });
});
