// Two IAM Identity Center instances in one emulator: each start URL signs in to its own
// instance (device flow, and PKCE through the client's issuerUrl and the sign-in pages), and
// tokens, ListAccounts and GetRoleCredentials answer for the instance they came from.
import { createHash, randomBytes } from 'node:crypto';
import { GetRoleCredentialsCommand, ListAccountRolesCommand, ListAccountsCommand } from '@aws-sdk/client-sso';
import { CreateTokenCommand, RegisterClientCommand, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, defaultFixture, DEMO_USER, pollForToken, type RunningEmulator, sdkClients, signInWithDevice, startDeviceFlow, startTestEmulator } from '../helpers/emulator.js';

const SECOND = 'https://d-2222222222.awsapps.com/start';
const SECURITY = '543210987654';
const BOB = { username: 'bob', password: 'bob-in-the-second-portal' };

let emulator: RunningEmulator;
/** The same emulator, seen through the second portal's start URL (what the sign-in helpers read). */
let second: RunningEmulator;

beforeAll(async () => {
  const fixture = defaultFixture();
  fixture.identityCenters = [
    { startUrl: SECOND, region: 'us-east-1', users: [BOB], assignments: [{ user: BOB.username, accounts: [SECURITY], permissionSets: ['ReadOnlyAccess'] }] },
  ];
  emulator = await startTestEmulator({ fixture });
  second = { ...emulator, startUrl: SECOND };
});
afterAll(() => emulator?.close());

const accountNames = async (accessToken: string) =>
  (await sdkClients(emulator).sso.send(new ListAccountsCommand({ accessToken, maxResults: 100 }))).accountList!.map((a) => a.accountName);

describe('two Identity Center instances in one emulator', () => {
  it('signs in to each by its start URL, and each token answers for its own instance', async () => {
    const first = await signInWithDevice(emulator);
    const other = await signInWithDevice(second); // approved as the second instance's first user, bob
    expect(await accountNames(first.accessToken!)).toHaveLength(8);
    expect(await accountNames(other.accessToken!)).toEqual(['Security']);

    const { sso } = sdkClients(emulator);
    const roles = await sso.send(new ListAccountRolesCommand({ accessToken: other.accessToken!, accountId: SECURITY }));
    expect(roles.roleList!.map((r) => r.roleName)).toEqual(['ReadOnlyAccess']);
    const admin = await sso.send(new GetRoleCredentialsCommand({ accessToken: other.accessToken!, accountId: SECURITY, roleName: 'AdministratorAccess' })).catch((e) => e);
    expect(admin.name).toBe('ForbiddenException');
    const { roleCredentials } = await sso.send(new GetRoleCredentialsCommand({ accessToken: other.accessToken!, accountId: SECURITY, roleName: 'ReadOnlyAccess' }));
    const identity = await new STSClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: { accessKeyId: roleCredentials!.accessKeyId!, secretAccessKey: roleCredentials!.secretAccessKey!, sessionToken: roleCredentials!.sessionToken! },
    }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toMatch(new RegExp(`^arn:aws:sts::${SECURITY}:assumed-role/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}/bob$`));

    // The first instance's token is untouched by the second sign-in.
    expect(await accountNames(first.accessToken!)).toHaveLength(8);
  });

  it('approves a device only as a user of its own instance, and names every start URL it serves', async () => {
    const start = await startDeviceFlow(second);
    const asAlice = await adminCall(emulator, 'approve', { userCode: start.userCode, username: DEMO_USER.username });
    expect(asAlice.status).toBe(400);
    expect(asAlice.body.error_description).toBe(`No user is named alice in ${SECOND}`);
    expect((await adminCall(emulator, 'approve', { userCode: start.userCode, username: BOB.username })).status).toBe(200);
    expect(await accountNames((await pollForToken(second, start)).accessToken!)).toEqual(['Security']);

    const { oidc } = sdkClients(emulator);
    const err = await oidc
      .send(new StartDeviceAuthorizationCommand({ clientId: start.clientId, clientSecret: start.clientSecret, startUrl: 'https://d-9999999999.awsapps.com/start' }))
      .catch((e) => e);
    expect(err.name).toBe('InvalidRequestException');
    expect(err.message).toContain(`it serves ${emulator.startUrl}, ${SECOND}`);

    const info = await adminCall(emulator, 'info');
    expect(info.body.identityCenters).toEqual([
      { startUrl: emulator.startUrl, region: emulator.region, users: [DEMO_USER.username] },
      { startUrl: SECOND, region: 'us-east-1', users: [BOB.username] },
    ]);
  });

  it('signs in through the pages for a PKCE client whose issuerUrl is the second start URL', async () => {
    const { oidc } = sdkClients(emulator);
    const redirectUri = 'http://127.0.0.1:9/oauth/callback';
    const client = await oidc.send(
      new RegisterClientCommand({ clientName: 'pkce-second', clientType: 'public', scopes: ['sso:account:access'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirectUri], issuerUrl: SECOND }),
    );
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${emulator.url}/authorize`);
    for (const [key, value] of Object.entries({
      response_type: 'code',
      client_id: client.clientId!,
      redirect_uri: redirectUri,
      state: 'st',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      scopes: 'sso:account:access',
    }))
      authorize.searchParams.set(key, value);
    const form = await (await fetch(authorize)).text();
    const next = /name="next" value="([^"]+)"/.exec(form)![1]!;
    const post = (path: string, body: Record<string, string>, cookie = '') =>
      fetch(`${emulator.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams(body) });

    // alice belongs to the first instance only.
    const wrongPortal = await post('/signin', { next, username: DEMO_USER.username, password: DEMO_USER.password });
    expect(wrongPortal.status).toBe(401);
    const signedIn = await post('/signin', { next, ...BOB });
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const decided = await post('/consent', { next, decision: 'allow' }, cookie);
    expect(decided.status).toBe(303);
    const back = new URL(decided.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('st');

    const token = await oidc.send(
      new CreateTokenCommand({ clientId: client.clientId!, clientSecret: client.clientSecret!, grantType: 'authorization_code', code: back.searchParams.get('code')!, redirectUri, codeVerifier: verifier }),
    );
    expect(await accountNames(token.accessToken!)).toEqual(['Security']);

    // bob's browser sign-in is for the second portal: a first-portal request asks for a sign-in again.
    const firstPortal = await startDeviceFlow(emulator);
    const page = await (await fetch(`${emulator.url}/device?user_code=${firstPortal.userCode}`, { headers: { cookie } })).text();
    expect(page).toContain('id="signin"');
    expect(page).not.toContain('id="allow"');
  });
});
