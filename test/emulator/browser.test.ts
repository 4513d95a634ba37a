// Headless Chromium on the emulator's pages: sign in with MFA, then Allow or Deny,
// for the device flow and for the PKCE authorization-code flow with a loopback redirect.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTokenCommand, RegisterClientCommand } from '@aws-sdk/client-sso-oidc';
import { ListAccountsCommand } from '@aws-sdk/client-sso';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveInBrowser, chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { DEMO_USER, pollForToken, type RunningEmulator, sdkClients, startDeviceFlow, startTestEmulator } from '../helpers/emulator.js';

const available = chromiumAvailable();

describe.skipIf(!available)('browser sign-in with headless Chromium', () => {
  let emulator: RunningEmulator;
  let browser: Browser;

  beforeAll(async () => {
    [emulator, browser] = await Promise.all([startTestEmulator(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
  });

  it('signs in with MFA and allows: the polling client gets its token', async () => {
    const start = await startDeviceFlow(emulator);
    const polling = pollForToken(emulator, start);
    const page = await browser.newPage();
    try {
      await approveInBrowser(page, start.verificationUriComplete, { ...DEMO_USER, mfa: DEMO_USER.mfaCode, action: 'allow' });
      await page.waitForURL(/\/done\?result=approved/);
      expect(await page.textContent('#result')).toContain('approved');
    } finally {
      await page.close();
    }
    const token = await polling;
    expect(token.accessToken).toBeTruthy();
    const { sso } = sdkClients(emulator);
    const accounts = await sso.send(new ListAccountsCommand({ accessToken: token.accessToken!, maxResults: 100 }));
    expect(accounts.accountList).toHaveLength(8);
  });

  it('rejects a wrong MFA code and a wrong password', async () => {
    const start = await startDeviceFlow(emulator);
    const page = await browser.newPage();
    try {
      await page.goto(start.verificationUriComplete);
      await page.fill('input[name=username]', DEMO_USER.username);
      await page.fill('input[name=password]', 'wrong');
      await page.click('button#signin');
      expect(await page.textContent('.error')).toContain('Incorrect username or password');
      await page.fill('input[name=username]', DEMO_USER.username);
      await page.fill('input[name=password]', DEMO_USER.password);
      await page.click('button#signin');
      await page.fill('input[name=mfa]', '000000');
      await page.click('button#verify');
      expect(await page.textContent('.error')).toContain('MFA code is not valid');
      expect(await page.locator('button#allow').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('denies: the polling client gets AccessDeniedException', async () => {
    const start = await startDeviceFlow(emulator);
    const polling = pollForToken(emulator, start).catch((err) => err);
    const page = await browser.newPage();
    try {
      await approveInBrowser(page, start.verificationUriComplete, { ...DEMO_USER, mfa: DEMO_USER.mfaCode, action: 'deny' });
      await page.waitForURL(/\/done\?result=denied/);
    } finally {
      await page.close();
    }
    const err = await polling;
    expect(err.name).toBe('AccessDeniedException');
  });

  describe('PKCE authorization code with a loopback redirect', () => {
    let callback: Server;
    let redirectUri: string;
    const received: URL[] = [];

    beforeAll(async () => {
      callback = createServer((req, res) => {
        const url = new URL(req.url!, 'http://127.0.0.1');
        if (url.pathname === '/oauth/callback') received.push(url); // not /favicon.ico
        res.end('signed in; you can close this window');
      });
      await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
      redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/oauth/callback`;
    });
    afterAll(() => new Promise<void>((resolve) => callback.close(() => resolve())));

    async function authorizeInBrowser(action: 'allow' | 'deny') {
      const { oidc } = sdkClients(emulator);
      const client = await oidc.send(
        new RegisterClientCommand({
          clientName: 'pkce-test',
          clientType: 'public',
          scopes: ['sso:account:access'],
          grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris: [redirectUri],
          issuerUrl: emulator.startUrl,
        }),
      );
      const verifier = randomBytes(32).toString('base64url');
      const state = randomBytes(8).toString('hex');
      const url = new URL(`${emulator.url}/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.clientId!,
        redirect_uri: redirectUri,
        state,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        scopes: 'sso:account:access',
      }).toString();
      received.length = 0;
      const page = await browser.newPage();
      try {
        await approveInBrowser(page, url.toString(), { ...DEMO_USER, mfa: DEMO_USER.mfaCode, action });
        await page.waitForURL((u) => u.toString().startsWith(redirectUri));
      } finally {
        await page.close();
      }
      expect(received).toHaveLength(1);
      return { client, verifier, state, query: received[0]!.searchParams };
    }

    it('redirects with code and state; CreateToken takes the verifier and refuses a wrong one', async () => {
      const { client, verifier, state, query } = await authorizeInBrowser('allow');
      expect(query.get('state')).toBe(state);
      const code = query.get('code')!;
      expect(code).toBeTruthy();
      const { oidc } = sdkClients(emulator);
      const base = { clientId: client.clientId!, clientSecret: client.clientSecret!, grantType: 'authorization_code', code, redirectUri };
      const wrong = await oidc.send(new CreateTokenCommand({ ...base, codeVerifier: randomBytes(32).toString('base64url') })).catch((e) => e);
      expect(wrong.name).toBe('InvalidGrantException');
      const wrongRedirect = await oidc.send(new CreateTokenCommand({ ...base, codeVerifier: verifier, redirectUri: `${redirectUri}x` })).catch((e) => e);
      expect(wrongRedirect.name).toBe('InvalidGrantException');
      const token = await oidc.send(new CreateTokenCommand({ ...base, codeVerifier: verifier }));
      expect(token.accessToken).toBeTruthy();
      expect(token.refreshToken).toBeTruthy();
      const reused = await oidc.send(new CreateTokenCommand({ ...base, codeVerifier: verifier })).catch((e) => e);
      expect(reused.name).toBe('InvalidGrantException');
    });

    it('redirects with error=access_denied and the state on Deny', async () => {
      const { state, query } = await authorizeInBrowser('deny');
      expect(query.get('error')).toBe('access_denied');
      expect(query.get('state')).toBe(state);
      expect(query.get('code')).toBeNull();
    });
  });
});
