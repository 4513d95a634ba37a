// Start an in-process emulator for a test, plus small helpers for its admin API and the SDK clients.
import { SSOClient } from '@aws-sdk/client-sso';
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { totp } from '../../src/emulator/mfa.js';

export { DEMO_IAM_USER, DEMO_USER, defaultFixture } from '../../src/emulator/index.js';
export type { EmulatorOptions, RunningEmulator };

/** Starts an emulator on a free loopback port. Close it in afterAll/afterEach. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

export interface AdminResult<T = any> {
  status: number;
  body: T;
}

/** Calls the admin API: GET without a body, POST with one. */
export async function adminCall<T = any>(emulator: { url: string }, route: string, body?: unknown): Promise<AdminResult<T>> {
  const response = await fetch(`${emulator.url}/_emulator/${route}`, {
    method: body === undefined && ['stats', 'pending', 'info'].includes(route) ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined && ['stats', 'pending', 'info'].includes(route) ? undefined : JSON.stringify(body ?? {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Env vars that point every AWS client at the emulator. */
export function emulatorEnv(emulator: { url: string; region: string }): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ENDPOINT_URL_SSO: emulator.url,
    AWS_ENDPOINT_URL_SSO_OIDC: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    AWS_REGION: emulator.region,
  };
}

/** SDK clients pointed at the emulator with the endpoint option; no retries, so tests see every answer. */
export function sdkClients(emulator: { url: string; region: string }, maxAttempts = 1) {
  const common = { endpoint: emulator.url, region: emulator.region, maxAttempts };
  return { oidc: new SSOOIDCClient(common), sso: new SSOClient(common) };
}

export interface DeviceStart {
  clientId: string;
  clientSecret: string;
  deviceCode: string;
  userCode: string;
  verificationUriComplete: string;
  interval: number;
}

/** RegisterClient + StartDeviceAuthorization through the SDK. */
export async function startDeviceFlow(emulator: RunningEmulator, scopes = ['sso:account:access']): Promise<DeviceStart> {
  const { oidc } = sdkClients(emulator);
  const client = await oidc.send(new RegisterClientCommand({ clientName: 'keyfob-test', clientType: 'public', scopes }));
  const device = await oidc.send(
    new StartDeviceAuthorizationCommand({ clientId: client.clientId!, clientSecret: client.clientSecret!, startUrl: emulator.startUrl }),
  );
  return {
    clientId: client.clientId!,
    clientSecret: client.clientSecret!,
    deviceCode: device.deviceCode!,
    userCode: device.userCode!,
    verificationUriComplete: device.verificationUriComplete!,
    interval: device.interval!,
  };
}

/** Polls CreateToken at the device's interval until it answers something other than AuthorizationPending. */
export async function pollForToken(emulator: RunningEmulator, start: DeviceStart, timeoutMs = 20_000) {
  const { oidc } = sdkClients(emulator);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await oidc.send(
        new CreateTokenCommand({
          clientId: start.clientId,
          clientSecret: start.clientSecret,
          grantType: 'urn:ietf:params:oauth:grant-type:device_code',
          deviceCode: start.deviceCode,
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'AuthorizationPendingException' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, start.interval * 1000 + 20));
    }
  }
}

/** A whole device sign-in approved through the admin API; returns the CreateToken answer. */
export async function signInWithDevice(emulator: RunningEmulator, scopes = ['sso:account:access']) {
  const start = await startDeviceFlow(emulator, scopes);
  const approved = await adminCall(emulator, 'approve', { userCode: start.userCode });
  if (approved.status !== 200) throw new Error(`approve failed: ${JSON.stringify(approved.body)}`);
  const token = await pollForToken(emulator, start);
  return { ...start, ...token };
}

/** A 6-digit code that no step of a TOTP secret's accepted window (±30 s) matches: a wrong MFA code. */
export function wrongTotpCode(secret: string, at = Date.now()): string {
  const valid = [-1, 0, 1].map((step) => totp(secret, at + step * 30_000));
  let code = Number(valid[1]);
  do code = (code + 1) % 1_000_000;
  while (valid.includes(String(code).padStart(6, '0')));
  return String(code).padStart(6, '0');
}

/**
 * The emulator's console page for a console sign-in URL, as a browser gets it: the login sets the
 * session cookie and redirects to /console, which is fetched with that cookie.
 */
export async function fetchConsolePage(signinUrl: string): Promise<{ status: number; html: string }> {
  const login = await fetch(signinUrl, { redirect: 'manual' });
  if (login.status !== 302) return { status: login.status, html: await login.text() };
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = await fetch(new URL(login.headers.get('location') ?? '/console', signinUrl), { headers: { cookie } });
  return { status: page.status, html: await page.text() };
}
