// `keyfob portal` end to end in headless Chromium: the real CLI (`keyfob portal --no-browser --json`)
// over a daemon signed in to the emulator and populated, plus hand-written profiles of every kind.
// The list, search with the picker's matcher, Enter opening the console (KEYFOB_BROWSER records the
// URL), live updates without a reload, the guard (Host, Origin, cookie, one-time token), no secret
// before a copy action, and the screenshots in docs/ (rewritten with KEYFOB_UPDATE_SCREENSHOTS=1).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, KEYFOB_BIN, KEYFOB_COMMAND, runKeyfob, signedInHome, type KeyfobHome } from '../helpers/keyfob.js';
import { otherUser } from '../helpers/otherUser.js';
import { requirePart } from '../helpers/requirePart.js';
import { waitFor } from '../helpers/waitFor.js';

const STATIC_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSTATICKEY1';
const HAND_WRITTEN = `
[profile deploy]
role_arn = arn:aws:iam::210987654321:role/Deploy
source_profile = Security/AdministratorAccess
role_session_name = alice

[profile ci]
credential_process = ${KEYFOB_COMMAND} credential-process --profile ci

[profile tool]
credential_process = /usr/bin/false --another-tool
`;
const HOSTILE = '<img src=x onerror="document.title=1">';
const HAND_WRITTEN_KINDS = { deploy: 'chain', ci: 'iam-user', tool: 'process', 'static-keys': 'static', [HOSTILE]: 'static' };

/** Every secret the emulator has issued so far (its own state, not keyfob's output), and the static keys. */
function issuedSecrets(emulator: RunningEmulator): string[] {
  const s = emulator.state;
  return [
    STATIC_SECRET,
    ...[...s.credentials.values()].flatMap((c) => [c.secretAccessKey, c.sessionToken]),
    ...s.accessTokens.keys(),
    ...s.refreshTokens.keys(),
    ...[...s.clients.values()].map((c) => c.clientSecret),
    ...s.signinTokens.keys(),
  ];
}

/** Every process's command line on the machine, as `ps` shows them. */
function processList(): string {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        return '';
      }
    })
    .join('\n');
}

/** A raw request, with headers a browser would never let a page set (Host). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: !('Host' in headers) }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const available = chromiumAvailable();

describe.skipIf(!available)('keyfob portal in Chromium', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let browser: Browser;
  let portal: ChildProcess;
  let output = { stdout: '', stderr: '' };
  let url: URL;
  let context: BrowserContext;
  let page: Page;
  let opened: string;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = await signedInHome(emulator, { populate: ['--region', 'eu-west-1'], extra: { KEYFOB_FEDERATION_URL: `${emulator.url}/federation`, KEYFOB_PORTAL_POLL_MS: '300' } });
    appendFileSync(home.configFile, HAND_WRITTEN);
    writeFileSync(home.env.AWS_SHARED_CREDENTIALS_FILE!, `[static-keys]\naws_access_key_id = AKIASTATICKEYEXAMPLE\naws_secret_access_key = ${STATIC_SECRET}\n[${HOSTILE}]\naws_access_key_id = AKIASTATICKEYEXAMPLE\naws_secret_access_key = ${STATIC_SECRET}\n`, { mode: 0o600 });
    opened = join(home.dir, 'opened-url');
    const recorder = join(home.dir, 'record-url.sh');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`);
    chmodSync(recorder, 0o755);
    browser = await launchChromium();
    portal = spawn(process.execPath, [KEYFOB_BIN, 'portal', '--no-browser', '--json'], { env: { ...home.env, KEYFOB_BROWSER: recorder }, stdio: ['ignore', 'pipe', 'pipe'] });
    portal.stdout!.on('data', (d) => (output.stdout += d));
    portal.stderr!.on('data', (d) => (output.stderr += d));
    const line = await waitFor(() => output.stdout.split('\n').length > 1 && output.stdout.split('\n')[0], { timeoutMs: 30_000 });
    url = new URL((JSON.parse(line) as { url: string }).url);
    context = await browser.newContext();
    page = await context.newPage();
    expect((await page.goto(url.href))?.status()).toBe(200);
  }, 120_000);
  afterAll(async () => {
    if (portal && portal.exitCode === null) portal.kill('SIGKILL');
    await browser?.close();
    await home?.cleanup();
    await emulator?.close();
  });

  const rowNames = async () => page.locator('tbody#rows tr.row .name').allTextContents();

  it('trades the one-time token for a cookie and rewrites the URL to /', async () => {
    expect(page.url()).toBe(`${url.origin}/`);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', name: `keyfob_portal_${url.port}` });
  });

  it('lists the 16 default profiles and the hand-written ones with their kinds, accounts and emails', async () => {
    await waitFor(async () => (await rowNames()).length === 21, { timeoutMs: 15_000 });
    const names = await rowNames();
    expect(names.filter((n) => n.includes('/'))).toHaveLength(16);
    for (const [name, kind] of Object.entries(HAND_WRITTEN_KINDS)) {
      // sso rows carry no badge; every hand-written one names its kind.
      const row = page.locator('tr.row', { has: page.locator('.name').getByText(name, { exact: true }) });
      expect(await row.locator('.badge').textContent()).toBe(kind);
    }
    // A name that is HTML stays text: no element made of it, nothing run.
    expect(await page.locator('tbody img').count()).toBe(0);
    expect(await page.title()).toBe('keyfob portal');
    const experiments = page.locator('tr.row', { has: page.locator('.name', { hasText: /^Experiments\/AdministratorAccess$/ }) });
    const account = emulator.org.accounts.find((a) => a.name === 'Experiments')!;
    await waitFor(async () => ((await experiments.textContent()) ?? '').includes(account.email), { timeoutMs: 10_000 });
    expect(await experiments.textContent()).toContain(account.id);
    expect(await experiments.locator('.signin').textContent()).toMatch(/^\d+h \d+m left$/); // the sign-in
  });

  it('shows a newly cached credential without a reload (server-sent events)', async () => {
    const row = page.locator('tr.row', { has: page.locator('.name', { hasText: /^Production\/ReadOnlyAccess$/ }) });
    expect(await row.locator('.creds').textContent()).toBe('—');
    const warm = await runKeyfob(['credential-process', '--profile', 'Production/ReadOnlyAccess'], home.env);
    expect(warm.code, warm.stderr).toBe(0);
    await waitFor(async () => /^(\d+h )?\d+m left$/.test((await row.locator('.creds').textContent()) ?? ''), { timeoutMs: 10_000 });
  });

  it('no key, token or secret in the page, its URL, the portal’s output or the process list before a copy', async () => {
    const secrets = issuedSecrets(emulator);
    expect(secrets.length).toBeGreaterThan(3); // a warmed role's keys, the sign-in's tokens
    const places: Record<string, string> = { page: await page.content(), url: page.url(), output: output.stdout + output.stderr, ps: processList(), rows: await page.evaluate(async () => (await fetch('/api/rows')).text()) };
    // The daemon's log (debug level) and every file of the home but the credentials file the static keys are in.
    for (const file of filesUnder(home.dir)) if (file !== home.env.AWS_SHARED_CREDENTIALS_FILE) places[file] = readFileSync(file, 'latin1');
    for (const [place, text] of Object.entries(places)) for (const secret of secrets) expect(text.includes(secret), `${place} holds a secret`).toBe(false);
  });

  it('`exp admin` leaves one row, and Enter opens its console', async () => {
    await page.keyboard.press('Escape'); // out of the search box, so `/` goes to the page
    await page.keyboard.press('/');
    await page.keyboard.type('exp admin');
    await waitFor(async () => (await rowNames()).length === 1, { timeoutMs: 5_000 });
    expect(await rowNames()).toEqual(['Experiments/AdministratorAccess']);
    await page.keyboard.press('Enter');
    await page.locator('#toast', { hasText: 'Opened the console as Experiments/AdministratorAccess' }).waitFor({ timeout: 15_000 });
    const consoleUrl = new URL(await waitFor(() => existsSync(opened) && readFileSync(opened, 'utf8').trim()));
    expect(`${consoleUrl.origin}${consoleUrl.pathname}`).toBe(`${emulator.url}/federation`);
    expect(consoleUrl.searchParams.get('Action')).toBe('login');
    const landing = await context.newPage();
    await landing.goto(consoleUrl.href);
    expect((await landing.textContent('#account-id'))?.trim()).toBe(emulator.org.accounts.find((a) => a.name === 'Experiments')!.id);
    expect((await landing.textContent('#role'))?.trim()).toBe('AdministratorAccess');
    await landing.close();
  });

  it('arrows move the selection; Escape clears the search', async () => {
    await page.keyboard.press('Escape');
    await waitFor(async () => (await rowNames()).length === 21, { timeoutMs: 5_000 });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('tr.row.sel').count()).toBe(1);
    expect(await page.locator('tr.row').nth(2).getAttribute('class')).toContain('sel');
  });

  it('refuses a foreign Host, a foreign Origin, a missing cookie and a replayed URL token', async () => {
    const port = Number(url.port);
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const post = JSON.stringify({ profile: 'Production/ReadOnlyAccess' });
    const json = { 'Content-Type': 'application/json', Cookie: cookie };
    // The cookie and Origin are right; the Host is not (DNS rebinding), or has another port.
    expect((await raw(port, 'GET', '/api/rows', { Host: `evil.example:${port}`, Cookie: cookie })).status).toBe(421);
    expect((await raw(port, 'GET', '/api/rows', { Host: `127.0.0.1:${port + 1}`, Cookie: cookie })).status).toBe(421);
    expect((await raw(port, 'GET', '/api/rows', { Host: `localhost:${port}`, Cookie: cookie })).status).toBe(200);
    // A POST from another origin, or with none, even with the cookie.
    const before = existsSync(opened) ? readFileSync(opened, 'utf8') : '';
    expect((await raw(port, 'POST', '/api/open', { ...json, Origin: 'http://evil.example' }, post)).status).toBe(403);
    expect((await raw(port, 'POST', '/api/copy', { ...json, Origin: `http://127.0.0.1:${port + 1}` }, post)).status).toBe(403);
    expect((await raw(port, 'POST', '/api/copy', json, post)).status).toBe(403);
    // No cookie (or a forged one): nothing but the refusal.
    for (const path of ['/', '/api/rows', '/events', '/app.js']) expect((await raw(port, 'GET', path, {})).status).toBe(401);
    expect((await raw(port, 'GET', '/api/rows', { Cookie: `keyfob_portal_${port}=forged` })).status).toBe(401);
    expect((await raw(port, 'POST', '/api/copy', { 'Content-Type': 'application/json', Origin: url.origin }, post)).status).toBe(401);
    // The token again, in a fresh browser: worthless now.
    const other = await browser.newContext();
    const replay = await (await other.newPage()).goto(url.href);
    expect(replay?.status()).toBe(403);
    expect(await other.cookies()).toEqual([]);
    await other.close();
    expect(existsSync(opened) ? readFileSync(opened, 'utf8') : '').toBe(before); // no console was opened by any of these
    // The headers of the page: a strict CSP, no CORS.
    const res = await raw(port, 'GET', '/', { Cookie: cookie, Origin: 'http://evil.example' });
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self';.*frame-ancestors 'none'/);
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(res.body).not.toMatch(/<script>|<style>| on[a-z]+=/); // nothing inline
  });

  it('cuts off another local user, even with the cookie, the Origin and the Host right', async (ctx) => {
    requirePart(ctx, 'root');
    const mallory = otherUser()!;
    try {
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const attack = `import { request } from 'node:http';
const [port, cookie] = process.argv.slice(2);
const req = request({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/api/copy',
  headers: { 'Content-Type': 'application/json', Cookie: cookie, Origin: 'http://127.0.0.1:' + port } }, (res) => {
  let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => console.log('answered', res.statusCode, body));
});
req.on('error', (err) => console.log('refused', err.code));
req.end(JSON.stringify({ profile: 'Production/ReadOnlyAccess' }));
`;
      const asMallory = await mallory.runNode(attack, [url.port, cookie]);
      expect(asMallory.stdout.trim()).toMatch(/^refused (ECONNRESET|EPIPE)$/);
      // The same request as the user is answered: the refusal was the peer's owner, nothing else.
      const asUser = await raw(Number(url.port), 'POST', '/api/copy', { 'Content-Type': 'application/json', Cookie: cookie, Origin: url.origin }, JSON.stringify({ profile: 'Production/ReadOnlyAccess' }));
      expect(asUser.status).toBe(200);
    } finally {
      mallory.cleanup();
    }
  });

  it('saves light and dark screenshots', async () => {
    const dir = process.env.KEYFOB_UPDATE_SCREENSHOTS === '1' ? new URL('../../docs/', import.meta.url).pathname : join(home.dir, 'shots');
    mkdirSync(dir, { recursive: true });
    await page.setViewportSize({ width: 1366, height: 860 });
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await page.getAttribute('#toast', 'class'))?.includes('show'), { timeoutMs: 10_000 }); // no toast in the picture
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const file = join(dir, `portal-${colorScheme}.png`);
      await page.screenshot({ path: file });
      expect(readFileSync(file).length).toBeGreaterThan(10_000);
    }
  });

  it('copy actions put keys on the page only after a POST from it: export lines, then the JSON', async () => {
    const row = page.locator('tr.row', { has: page.locator('.name', { hasText: /^Production\/ReadOnlyAccess$/ }) });
    await row.getByRole('button', { name: 'Export' }).click();
    await page.locator('#copied[open]').waitFor();
    const script = await page.locator('#copied-text').inputValue();
    const keyId = /^export AWS_ACCESS_KEY_ID='(ASIA[A-Z0-9]+)'$/m.exec(script)?.[1];
    expect(keyId).toBeDefined();
    const issued = [...emulator.state.credentials.values()].find((c) => c.accessKeyId === keyId)!;
    expect(script).toContain(`export AWS_SECRET_ACCESS_KEY='${issued.secretAccessKey}'`);
    expect(script).toContain("export AWS_PROFILE='Production/ReadOnlyAccess'");
    await page.click('#copied-close');
    expect(await page.locator('#copied-text').inputValue()).toBe('');
    await row.getByRole('button', { name: 'JSON' }).click();
    await page.locator('#copied[open]').waitFor();
    expect(JSON.parse(await page.locator('#copied-text').inputValue())).toMatchObject({ Version: 1, AccessKeyId: keyId });
    await page.click('#copied-close');
    // Still nothing on the portal's output.
    expect(output.stdout + output.stderr).not.toContain(issued.secretAccessKey);
  });

  it('a sign-in that ended shows as such, and its Sign in button starts one in the portal process', async () => {
    const row = page.locator('tr.row', { has: page.locator('.name', { hasText: /^QA\/ReadOnlyAccess$/ }) });
    const out = await runKeyfob(['logout', '--all'], home.env);
    expect(out.code, out.stderr).toBe(0);
    await waitFor(async () => (await row.locator('.signin').textContent()) === 'ended', { timeoutMs: 10_000 });
    const before = readFileSync(opened, 'utf8');
    await page.locator('#sessions').getByRole('button', { name: 'Sign in' }).click();
    // The portal process opened the sign-in page with KEYFOB_BROWSER; the user approves it there.
    const signInUrl = await waitFor(() => readFileSync(opened, 'utf8').slice(before.length).trim());
    expect(new URL(signInUrl).origin).toBe(emulator.url);
    const approval = await context.newPage();
    await approval.goto(signInUrl);
    await waitFor(async () => /^\d+h \d+m left$/.test((await row.locator('.signin').textContent()) ?? ''), { timeoutMs: 20_000 });
    await approval.close();
  });

  it('SIGTERM ends it cleanly', async () => {
    portal.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => (portal.exitCode !== null ? resolve(portal.exitCode) : portal.once('exit', resolve)));
    expect(code).toBe(0);
    // Nothing on stderr but the sign-in's own line (the page it opened, as keyfob login prints it).
    expect(output.stderr.split('\n').filter((line) => line && !line.startsWith('To sign in, open '))).toEqual([]);
  });
});
