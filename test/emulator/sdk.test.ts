// The JS SDK (client-sso-oidc, client-sso, client-sts) against the emulator: the whole device flow,
// every account and role of the default organisation, role credentials, and SigV4-checked STS.
import { GetRoleCredentialsCommand, ListAccountRolesCommand, ListAccountsCommand, paginateListAccounts } from '@aws-sdk/client-sso';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFixture, type RunningEmulator, sdkClients, signInWithDevice, startTestEmulator } from '../helpers/emulator.js';
import { waitFor } from '../helpers/waitFor.js';

const fixture = defaultFixture();
const allAccounts = [fixture.managementAccount!, ...fixture.organizationalUnits.flatMap((ou) => ou.accounts ?? [])];

let emulator: RunningEmulator;
let accessToken: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  accessToken = (await signInWithDevice(emulator)).accessToken!;
});
afterAll(() => emulator?.close());

function sts(emulatorUrl: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  return new STSClient({ endpoint: emulatorUrl, region: emulator.region, credentials, maxAttempts: 1 });
}

async function roleCredentials(accountId: string, roleName: string) {
  const { sso } = sdkClients(emulator);
  const answer = await sso.send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName }));
  return answer.roleCredentials!;
}

describe('SDK against the emulator', () => {
  it('lists every account and both roles of the default organisation', async () => {
    const { sso } = sdkClients(emulator);
    const accounts = [];
    for await (const page of paginateListAccounts({ client: sso, pageSize: 3 }, { accessToken })) accounts.push(...page.accountList!);
    expect(accounts.map((a) => a.accountName).sort()).toEqual(
      ['Development', 'Experiments', 'Management', 'Marketplace', 'Production', 'QA', 'Security', 'Workshops'].sort(),
    );
    expect(accounts).toContainEqual({ accountId: allAccounts[1]!.id, accountName: allAccounts[1]!.name, emailAddress: allAccounts[1]!.email });
    for (const account of accounts) {
      expect(account.accountId).toMatch(/^\d{12}$/);
      const roles = await sso.send(new ListAccountRolesCommand({ accessToken, accountId: account.accountId }));
      expect(roles.roleList!.map((r) => r.roleName).sort()).toEqual(['AdministratorAccess', 'ReadOnlyAccess']);
      expect(roles.roleList!.every((r) => r.accountId === account.accountId)).toBe(true);
    }
  });

  it('issues role credentials that live as long as the permission set says', async () => {
    const before = Date.now();
    const admin = await roleCredentials(allAccounts[1]!.id, 'AdministratorAccess');
    expect(admin.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(admin.secretAccessKey!.length).toBeGreaterThanOrEqual(40);
    expect(admin.sessionToken!.length).toBeGreaterThan(100);
    // expiration is epoch milliseconds: 4 h for AdministratorAccess, 1 h for ReadOnlyAccess.
    expect(admin.expiration! - before).toBeGreaterThan(4 * 3600_000 - 5000);
    expect(admin.expiration! - before).toBeLessThanOrEqual(4 * 3600_000 + 5000);
    const readOnly = await roleCredentials(allAccounts[1]!.id, 'ReadOnlyAccess');
    expect(readOnly.expiration! - before).toBeGreaterThan(3600_000 - 5000);
    expect(readOnly.expiration! - before).toBeLessThanOrEqual(3600_000 + 5000);
  });

  it('refuses credentials for a role that is not assigned, with 403 ForbiddenException', async () => {
    const { sso } = sdkClients(emulator);
    const err = await sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: allAccounts[1]!.id, roleName: 'PowerUserAccess' })).catch((e) => e);
    expect(err.name).toBe('ForbiddenException');
    expect(err.$metadata.httpStatusCode).toBe(403);
    const other = await sso.send(new ListAccountRolesCommand({ accessToken, accountId: '999999999999' })).catch((e) => e);
    expect(other.name).toBe('ForbiddenException');
  });

  it('answers GetCallerIdentity for issued credentials, with the assumed-role ARN', async () => {
    const experiments = allAccounts.find((a) => a.name === 'Experiments')!;
    const creds = await roleCredentials(experiments.id, 'AdministratorAccess');
    const identity = await sts(emulator.url, {
      accessKeyId: creds.accessKeyId!,
      secretAccessKey: creds.secretAccessKey!,
      sessionToken: creds.sessionToken!,
    }).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(experiments.id);
    expect(identity.Arn).toMatch(new RegExp(`^arn:aws:sts::${experiments.id}:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}/alice$`));
    expect(identity.UserId).toMatch(/^AROA[A-Z0-9]{17}:alice$/);
  });

  it('rejects a tampered secret with SignatureDoesNotMatch', async () => {
    const creds = await roleCredentials(allAccounts[0]!.id, 'ReadOnlyAccess');
    const tampered = creds.secretAccessKey!.slice(0, -1) + (creds.secretAccessKey!.endsWith('A') ? 'B' : 'A');
    const err = await sts(emulator.url, { accessKeyId: creds.accessKeyId!, secretAccessKey: tampered, sessionToken: creds.sessionToken! })
      .send(new GetCallerIdentityCommand({}))
      .catch((e) => e);
    expect(err.name).toBe('SignatureDoesNotMatch');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('rejects an unknown access key with InvalidClientTokenId', async () => {
    const err = await sts(emulator.url, { accessKeyId: 'ASIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40), sessionToken: 'nope' })
      .send(new GetCallerIdentityCommand({}))
      .catch((e) => e);
    expect(err.name).toBe('InvalidClientTokenId');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('rejects expired credentials with ExpiredToken', async () => {
    const shortLived = await startTestEmulator({ credentialTtl: 1 });
    try {
      const { accessToken: token } = await signInWithDevice(shortLived);
      const { sso } = sdkClients(shortLived);
      const { roleCredentials: creds } = await sso.send(
        new GetRoleCredentialsCommand({ accessToken: token, accountId: allAccounts[0]!.id, roleName: 'AdministratorAccess' }),
      );
      const client = new STSClient({
        endpoint: shortLived.url,
        region: shortLived.region,
        maxAttempts: 1,
        credentials: { accessKeyId: creds!.accessKeyId!, secretAccessKey: creds!.secretAccessKey!, sessionToken: creds!.sessionToken! },
      });
      await expect(client.send(new GetCallerIdentityCommand({}))).resolves.toHaveProperty('Account', allAccounts[0]!.id);
      // Time passing is the subject: wait until the 1-s credentials have expired.
      await waitFor(() => Date.now() > creds!.expiration! + 50, { timeoutMs: 3_000, what: 'the credentials to expire' });
      const err = await client.send(new GetCallerIdentityCommand({})).catch((e) => e);
      expect(err.name).toBe('ExpiredToken');
    } finally {
      await shortLived.close();
    }
  });

  it('serves clients pointed at it through AWS_ENDPOINT_URL_* instead of the endpoint option', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SSO: emulator.url, AWS_ENDPOINT_URL_STS: emulator.url });
    try {
      const { SSOClient } = await import('@aws-sdk/client-sso');
      const sso = new SSOClient({ region: emulator.region, maxAttempts: 1 });
      const page = await sso.send(new ListAccountsCommand({ accessToken, maxResults: 100 }));
      expect(page.accountList).toHaveLength(8);
      expect(page.nextToken).toBeUndefined();
      const creds = page.accountList![0]!;
      const role = await sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: creds.accountId, roleName: 'ReadOnlyAccess' }));
      const stsClient = new STSClient({
        region: emulator.region,
        maxAttempts: 1,
        credentials: {
          accessKeyId: role.roleCredentials!.accessKeyId!,
          secretAccessKey: role.roleCredentials!.secretAccessKey!,
          sessionToken: role.roleCredentials!.sessionToken!,
        },
      });
      expect((await stsClient.send(new GetCallerIdentityCommand({}))).Account).toBe(creds.accountId);
    } finally {
      for (const key of ['AWS_ENDPOINT_URL_SSO', 'AWS_ENDPOINT_URL_STS']) if (!(key in saved)) delete process.env[key];
    }
  });
});
