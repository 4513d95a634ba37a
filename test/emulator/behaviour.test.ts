// The behaviours clients must cope with: pagination, SlowDown, expiry, refresh, revocation,
// rate limits, injected faults, stats, bad input, auto-approve, console federation.
import { GetRoleCredentialsCommand, ListAccountRolesCommand, ListAccountsCommand, LogoutCommand } from '@aws-sdk/client-sso';
import { CreateTokenCommand, RegisterClientCommand, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  adminCall,
  defaultFixture,
  pollForToken,
  type RunningEmulator,
  sdkClients,
  signInWithDevice,
  startDeviceFlow,
  startTestEmulator,
} from '../helpers/emulator.js';
import { nonLoopbackIpv4, requirePart } from '../helpers/requirePart.js';
import { waitFor } from '../helpers/waitFor.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started: RunningEmulator[] = [];

async function emulatorWith(options: Parameters<typeof startTestEmulator>[0] = {}) {
  const emulator = await startTestEmulator(options);
  started.push(emulator);
  return emulator;
}

afterAll(async () => {
  await Promise.all(started.map((emulator) => emulator.close()));
});

async function rawCall(emulator: RunningEmulator, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${emulator.url}${path}`, { method, body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get('x-amzn-errortype'), text, json };
}

describe('pagination', () => {
  it('pages a generated organisation of 250 accounts by 100, each id once', async () => {
    const emulator = await emulatorWith({ accounts: 250, rolesPerAccount: 3 });
    const { accessToken } = await signInWithDevice(emulator);
    const { sso } = sdkClients(emulator);
    const pages = [];
    let nextToken: string | undefined;
    do {
      const page = await sso.send(new ListAccountsCommand({ accessToken, maxResults: 100, nextToken }));
      pages.push(page.accountList!);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    const ids = pages.flat().map((a) => a.accountId);
    expect(new Set(ids).size).toBe(250);
    expect(new Set(ids)).toEqual(new Set(emulator.org.accounts.map((a) => a.id)));

    const roles = await sso.send(new ListAccountRolesCommand({ accessToken, accountId: ids[249], maxResults: 2 }));
    expect(roles.roleList).toHaveLength(2);
    const rest = await sso.send(new ListAccountRolesCommand({ accessToken, accountId: ids[249], maxResults: 2, nextToken: roles.nextToken }));
    expect([...roles.roleList!, ...rest.roleList!].map((r) => r.roleName)).toEqual(['AdministratorAccess', 'ReadOnlyAccess', 'PowerUserAccess']);
    expect(rest.nextToken).toBeUndefined();
  });

  it('rejects max_result outside 1..100 and a forged next_token with InvalidRequestException', async () => {
    const emulator = await emulatorWith();
    const { accessToken } = await signInWithDevice(emulator);
    for (const query of ['max_result=0', 'max_result=101', 'max_result=abc', 'next_token=forged']) {
      const answer = await rawCall(emulator, 'GET', `/assignment/accounts?${query}`, undefined, { 'x-amz-sso_bearer_token': accessToken! });
      expect(answer.status, query).toBe(400);
      expect(answer.type).toBe('InvalidRequestException');
    }
  });
});

describe('device flow', () => {
  it('answers SlowDown when polled faster than the interval', async () => {
    const emulator = await emulatorWith();
    const start = await startDeviceFlow(emulator);
    const { oidc } = sdkClients(emulator);
    const poll = () =>
      oidc
        .send(new CreateTokenCommand({ clientId: start.clientId, clientSecret: start.clientSecret, grantType: DEVICE_GRANT, deviceCode: start.deviceCode }))
        .catch((e) => e);
    expect((await poll()).name).toBe('AuthorizationPendingException');
    const fast = await poll();
    expect(fast.name).toBe('SlowDownException');
    expect(fast.$metadata.httpStatusCode).toBe(400);
    await sleep(start.interval * 1000 + 50); // the interval passing is the subject: polling may resume after it
    expect((await poll()).name).toBe('AuthorizationPendingException');
  });

  it('expires the device code after expiresIn', async () => {
    const fixture = defaultFixture();
    fixture.lifetimes = { ...fixture.lifetimes, deviceCodeSeconds: 1 };
    const emulator = await emulatorWith({ fixture });
    const start = await startDeviceFlow(emulator);
    await sleep(1100); // time passing is the subject: the 1-s device code expires
    expect((await adminCall(emulator, 'approve', { userCode: start.userCode })).status).toBe(400);
    const err = await pollForToken(emulator, start).catch((e) => e);
    expect(err.name).toBe('ExpiredTokenException');
  });

  it('refuses unknown clients and secrets with InvalidClientException (401)', async () => {
    const emulator = await emulatorWith();
    const { oidc } = sdkClients(emulator);
    const err = await oidc.send(new StartDeviceAuthorizationCommand({ clientId: 'nope', clientSecret: 'nope', startUrl: emulator.startUrl })).catch((e) => e);
    expect(err.name).toBe('InvalidClientException');
    expect(err.$metadata.httpStatusCode).toBe(401);
    const client = await oidc.send(new RegisterClientCommand({ clientName: 'x', clientType: 'public' }));
    const wrongSecret = await oidc
      .send(new StartDeviceAuthorizationCommand({ clientId: client.clientId, clientSecret: 'wrong', startUrl: emulator.startUrl }))
      .catch((e) => e);
    expect(wrongSecret.name).toBe('InvalidClientException');
  });

  it('approves at once with autoApprove, and lists pending codes otherwise', async () => {
    const auto = await emulatorWith({ autoApprove: true });
    const start = await startDeviceFlow(auto);
    expect((await pollForToken(auto, start, 100)).accessToken).toBeTruthy();

    const manual = await emulatorWith();
    const pendingStart = await startDeviceFlow(manual);
    const pending = await adminCall(manual, 'pending');
    expect(pending.body.pending.map((p: { userCode: string }) => p.userCode)).toEqual([pendingStart.userCode]);
    expect((await adminCall(manual, 'deny', { userCode: pendingStart.userCode })).status).toBe(200);
    expect((await pollForToken(manual, pendingStart).catch((e) => e)).name).toBe('AccessDeniedException');
  });

  it('issues a refresh token only with the sso:account:access scope', async () => {
    const emulator = await emulatorWith();
    expect((await signInWithDevice(emulator, [])).refreshToken).toBeUndefined();
    expect((await signInWithDevice(emulator)).refreshToken).toBeTruthy();
  });
});

describe('refresh and revocation', () => {
  it('refreshes to a working access token; after revoke, refresh is InvalidGrant and bearer tokens get 401', async () => {
    const emulator = await emulatorWith();
    const signIn = await signInWithDevice(emulator);
    const { oidc, sso } = sdkClients(emulator);
    const refresh = (refreshToken = signIn.refreshToken) =>
      oidc.send(new CreateTokenCommand({ clientId: signIn.clientId, clientSecret: signIn.clientSecret, grantType: 'refresh_token', refreshToken }));
    const refreshed = await refresh();
    expect(refreshed.accessToken).toBeTruthy();
    expect(refreshed.accessToken).not.toBe(signIn.accessToken);
    const page = await sso.send(new ListAccountsCommand({ accessToken: refreshed.accessToken!, maxResults: 100 }));
    expect(page.accountList).toHaveLength(8);

    expect((await adminCall(emulator, 'revoke', { username: 'alice' })).body.revokedSessions).toBe(1);
    // The rotated refresh token, unused so far: refused only because the session has ended.
    const err = await refresh(refreshed.refreshToken).catch((e) => e);
    expect(err.name).toBe('InvalidGrantException');
    for (const accessToken of [signIn.accessToken!, refreshed.accessToken!]) {
      const denied = await sso.send(new ListAccountsCommand({ accessToken })).catch((e) => e);
      expect(denied.name).toBe('UnauthorizedException');
      expect(denied.$metadata.httpStatusCode).toBe(401);
    }
  });

  it('rotates refresh tokens: each refresh gives a new one, and a used one is refused with invalid_grant', async () => {
    const emulator = await emulatorWith();
    const signIn = await signInWithDevice(emulator);
    const { oidc, sso } = sdkClients(emulator);
    const refresh = (refreshToken: string | undefined) =>
      oidc.send(new CreateTokenCommand({ clientId: signIn.clientId, clientSecret: signIn.clientSecret, grantType: 'refresh_token', refreshToken }));
    const first = await refresh(signIn.refreshToken);
    expect(first.refreshToken).toBeTruthy();
    expect(first.refreshToken).not.toBe(signIn.refreshToken);
    const reused = await refresh(signIn.refreshToken).catch((e) => e);
    expect(reused.name).toBe('InvalidGrantException');
    expect(reused.$metadata.httpStatusCode).toBe(400);
    expect(reused.error).toBe('invalid_grant');
    // The new one works once, and the access tokens stay good.
    const second = await refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await refresh(first.refreshToken).catch((e) => e)).name).toBe('InvalidGrantException');
    for (const accessToken of [signIn.accessToken!, first.accessToken!, second.accessToken!]) {
      expect((await sso.send(new ListAccountsCommand({ accessToken, maxResults: 1 }))).accountList).toHaveLength(1);
    }
  });

  it('ends the portal session when it outlives sessionTtl', async () => {
    const emulator = await emulatorWith({ sessionTtl: 1 });
    const signIn = await signInWithDevice(emulator);
    expect(signIn.expiresIn).toBeLessThanOrEqual(1);
    await sleep(1100); // time passing is the subject: the 1-s portal session ends
    const { oidc, sso } = sdkClients(emulator);
    const err = await oidc
      .send(new CreateTokenCommand({ clientId: signIn.clientId, clientSecret: signIn.clientSecret, grantType: 'refresh_token', refreshToken: signIn.refreshToken }))
      .catch((e) => e);
    expect(err.name).toBe('InvalidGrantException');
    expect((await sso.send(new ListAccountsCommand({ accessToken: signIn.accessToken! })).catch((e) => e)).name).toBe('UnauthorizedException');
  });

  it('Logout ends the session behind the token', async () => {
    const emulator = await emulatorWith();
    const { accessToken } = await signInWithDevice(emulator);
    const { sso } = sdkClients(emulator);
    await sso.send(new LogoutCommand({ accessToken }));
    expect((await sso.send(new ListAccountsCommand({ accessToken })).catch((e) => e)).name).toBe('UnauthorizedException');
  });
});

describe('rate limits, faults and stats', () => {
  let emulator: RunningEmulator;
  let accessToken: string;
  beforeAll(async () => {
    emulator = await emulatorWith();
    accessToken = (await signInWithDevice(emulator)).accessToken!;
  });
  afterEach(async () => {
    await adminCall(emulator, 'rate-limit', { perSecond: 0 });
    await adminCall(emulator, 'faults/clear', {});
  });

  it('answers 429 TooManyRequestsException beyond the rate limit, per operation', async () => {
    expect((await adminCall(emulator, 'rate-limit', { operation: 'ListAccounts', perSecond: 2 })).status).toBe(200);
    const { sso } = sdkClients(emulator);
    const results = await Promise.all(Array.from({ length: 5 }, () => sso.send(new ListAccountsCommand({ accessToken })).catch((e) => e)));
    const throttled = results.filter((r) => r.name === 'TooManyRequestsException');
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(throttled[0].$metadata.httpStatusCode).toBe(429);
    // Other operations are not limited.
    await expect(sso.send(new ListAccountRolesCommand({ accessToken, accountId: emulator.org.accounts[0]!.id }))).resolves.toBeTruthy();
    // The limit lets calls through again once its window moves on.
    await waitFor(() => sso.send(new ListAccountsCommand({ accessToken })).then(() => true, () => false), { timeoutMs: 3_000, intervalMs: 100, what: 'ListAccounts to be allowed again' });
  });

  it('applies --rate-limit from the start', async () => {
    const limited = await emulatorWith({ rateLimit: 1 });
    const first = await rawCall(limited, 'POST', '/client/register', JSON.stringify({ clientName: 'a', clientType: 'public' }));
    const second = await rawCall(limited, 'POST', '/client/register', JSON.stringify({ clientName: 'a', clientType: 'public' }));
    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(second.type).toBe('TooManyRequestsException');
  });

  it('injects 5xx faults for the next count calls, then recovers', async () => {
    const fault = await adminCall(emulator, 'faults', { operation: 'GetRoleCredentials', status: 500, count: 2 });
    expect(fault.status).toBe(200);
    const { sso } = sdkClients(emulator);
    const call = () => sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: emulator.org.accounts[0]!.id, roleName: 'ReadOnlyAccess' }));
    for (let i = 0; i < 2; i++) {
      const err = await call().catch((e) => e);
      expect(err.name).toBe('InternalServerException');
      expect(err.$metadata.httpStatusCode).toBe(500);
    }
    expect((await call()).roleCredentials?.accessKeyId).toMatch(/^ASIA/);

    await adminCall(emulator, 'faults', { operation: 'ListAccounts', status: 503, count: 1 });
    const unavailable = await sso.send(new ListAccountsCommand({ accessToken })).catch((e) => e);
    expect(unavailable.$metadata.httpStatusCode).toBe(503);
    // The SDK's own retries get through a single fault.
    await adminCall(emulator, 'faults', { operation: 'ListAccounts', status: 500, count: 1 });
    await adminCall(emulator, 'reset-stats', {});
    const retrying = sdkClients(emulator, 3).sso;
    await expect(retrying.send(new ListAccountsCommand({ accessToken }))).resolves.toBeTruthy();
    expect((await adminCall(emulator, 'stats')).body.calls.ListAccounts).toBe(2);
  });

  it('injects latency', async () => {
    await adminCall(emulator, 'faults', { operation: 'ListAccounts', latencyMs: 400, count: 1 });
    const { sso } = sdkClients(emulator);
    const started = Date.now();
    await sso.send(new ListAccountsCommand({ accessToken }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    const again = Date.now();
    await sso.send(new ListAccountsCommand({ accessToken }));
    expect(Date.now() - again).toBeLessThan(300);
  });

  it('counts calls by AWS operation name and resets', async () => {
    await adminCall(emulator, 'reset-stats', {});
    const { sso } = sdkClients(emulator);
    await sso.send(new ListAccountsCommand({ accessToken }));
    await sso.send(new ListAccountsCommand({ accessToken }));
    await sso.send(new ListAccountRolesCommand({ accessToken, accountId: emulator.org.accounts[0]!.id }));
    await signInWithDevice(emulator);
    const { body } = await adminCall(emulator, 'stats');
    expect(body.calls).toMatchObject({ ListAccounts: 2, ListAccountRoles: 1, RegisterClient: 1, StartDeviceAuthorization: 1 });
    expect(body.calls.CreateToken).toBeGreaterThanOrEqual(1);
    await adminCall(emulator, 'reset-stats', {});
    expect((await adminCall(emulator, 'stats')).body.calls).toEqual({});
  });
});

describe('bad input', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await emulatorWith();
  });

  it.each([
    ['malformed JSON', 'POST', '/client/register', '{"clientName": ', 400, 'InvalidRequestException'],
    ['a JSON array', 'POST', '/token', '[1,2]', 400, 'InvalidRequestException'],
    ['missing fields', 'POST', '/client/register', '{"clientType":"public"}', 400, 'InvalidRequestException'],
    ['wrongly typed fields', 'POST', '/client/register', '{"clientName":7,"clientType":"public"}', 400, 'InvalidRequestException'],
    ['missing CreateToken fields', 'POST', '/token', '{}', 400, 'InvalidRequestException'],
    ['an unknown route', 'GET', '/no/such/thing', undefined, 404, 'UnknownOperationException'],
    ['a wrong method', 'DELETE', '/token', undefined, 404, 'UnknownOperationException'],
    ['a missing bearer token', 'GET', '/assignment/accounts', undefined, 401, 'UnauthorizedException'],
    ['bad admin JSON', 'POST', '/_emulator/approve', 'nope', 400, 'InvalidRequestException'],
    ['an unknown admin route', 'POST', '/_emulator/explode', '{}', 404, 'UnknownOperationException'],
  ])('answers %s with an AWS-shaped error and keeps serving', async (_what, method, path, body, status, type) => {
    const answer = await rawCall(emulator, method as string, path as string, body as string | undefined);
    expect(answer.status).toBe(status);
    expect(answer.type).toBe(type);
    expect(typeof answer.json.error).toBe('string');
    expect(typeof answer.json.error_description).toBe('string');
    const alive = await rawCall(emulator, 'POST', '/client/register', JSON.stringify({ clientName: 'alive', clientType: 'public' }));
    expect(alive.status).toBe(200);
  });

  it('caps the body size with 413 and keeps serving', async () => {
    const answer = await rawCall(emulator, 'POST', '/client/register', "a".repeat(200 * 1024));
    expect(answer.status).toBe(413);
    expect(answer.type).toBeTruthy();
    expect(answer.json.error_description).toMatch(/larger than/);
    const alive = await rawCall(emulator, 'POST', '/client/register', JSON.stringify({ clientName: 'alive', clientType: 'public' }));
    expect(alive.status).toBe(200);
  });

  it('answers STS errors as XML ErrorResponse', async () => {
    const unsigned = await rawCall(emulator, 'POST', '/', 'Action=GetCallerIdentity&Version=2011-06-15', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.text).toContain('<Code>MissingAuthenticationToken</Code>');
    const badAction = await rawCall(emulator, 'POST', '/', 'Action=NoSuchAction', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(badAction.status).toBe(400);
    expect(badAction.text).toContain('<ErrorResponse');
    expect(badAction.text).toContain('<Code>InvalidAction</Code>');
  });

  it('answers the admin API on loopback only', async (ctx) => {
    // Calling from a non-loopback address needs one: skipped on a machine without, failed under CI.
    requirePart(ctx, 'non-loopback-ipv4');
    const external = nonLoopbackIpv4()!;
    const open = await emulatorWith({ host: '0.0.0.0' });
    const port = new URL(open.url).port;
    const response = await fetch(`http://${external}:${port}/_emulator/stats`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
    expect((await fetch(`${open.url}/_emulator/stats`)).status).toBe(200);
  });
});

describe('console federation', () => {
  it('trades issued credentials for a sign-in token and lands on a console page naming account and role', async () => {
    const emulator = await emulatorWith();
    const { accessToken } = await signInWithDevice(emulator);
    const qa = emulator.org.accounts.find((a) => a.name === 'QA')!;
    const { sso } = sdkClients(emulator);
    const { roleCredentials: creds } = await sso.send(new GetRoleCredentialsCommand({ accessToken, accountId: qa.id, roleName: 'ReadOnlyAccess' }));
    const session = JSON.stringify({ sessionId: creds!.accessKeyId, sessionKey: creds!.secretAccessKey, sessionToken: creds!.sessionToken });
    const tokenAnswer = await fetch(`${emulator.url}/federation?Action=getSigninToken&Session=${encodeURIComponent(session)}`);
    expect(tokenAnswer.status).toBe(200);
    const { SigninToken } = (await tokenAnswer.json()) as { SigninToken: string };
    expect(SigninToken).toBeTruthy();

    const destination = 'https://console.aws.amazon.com/s3/home?region=eu-west-1';
    const loginUrl = `${emulator.url}/federation?Action=login&Issuer=keyfob&Destination=${encodeURIComponent(destination)}&SigninToken=${encodeURIComponent(SigninToken)}`;
    // Login sets the console's session cookie and lands on /console, which names that cookie's role.
    const login = await fetch(loginUrl, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/console');
    const cookie = /^(aws-console-session=[^;]+);.*HttpOnly/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie).toBeTruthy();
    const landing = await fetch(`${emulator.url}/console`, { headers: { cookie: cookie! } });
    const html = await landing.text();
    expect(landing.status).toBe(200);
    expect(html).toContain(qa.id);
    expect(html).toContain('QA');
    expect(html).toContain('ReadOnlyAccess');
    expect(html).toContain('https://console.aws.amazon.com/s3/home?region=eu-west-1');
    // The token is redeemed once; without the cookie there is no console session.
    expect((await fetch(loginUrl, { redirect: 'manual' })).status).toBe(403);
    const anonymous = await fetch(`${emulator.url}/console`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('ReadOnlyAccess');

    const forged = JSON.stringify({ sessionId: creds!.accessKeyId, sessionKey: 'wrong', sessionToken: creds!.sessionToken });
    const refused = await fetch(`${emulator.url}/federation?Action=getSigninToken&Session=${encodeURIComponent(forged)}`);
    expect(refused.status).toBe(403);
    const badToken = await fetch(`${emulator.url}/federation?Action=login&SigninToken=nope`);
    expect(badToken.status).toBe(403);
    expect((await adminCall(emulator, 'stats')).body.calls).toMatchObject({ GetSigninToken: 2, ConsoleLogin: 3 });
  });
});
