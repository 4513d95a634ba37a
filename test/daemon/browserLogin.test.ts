// keyfob login through a real browser: the client opens KEYFOB_BROWSER (here a script that
// records the URL), and headless Chromium signs in with MFA on the emulator's pages.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveInBrowser, chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { adminCall, DEMO_USER, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';

async function waitForLines(file: string, count: number, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      if (lines.length >= count) return lines;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no browser was opened (${file})`);
}

describe.skipIf(!chromiumAvailable())('keyfob login in a real browser', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let browser: Browser;
  let urlFile: string;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    home = keyfobHome(emulator);
    urlFile = join(home.dir, 'opened-urls');
    const recorder = join(home.dir, 'record-url.sh');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urlFile}'\n`);
    chmodSync(recorder, 0o755);
    home.env.KEYFOB_BROWSER = recorder;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await home?.cleanup();
    await emulator?.close();
  });

  it('signs in with PKCE: one browser sign-in for two concurrent logins', async () => {
    const args = ['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region];
    const first = runKeyfob(args, home.env);
    await waitForLines(urlFile, 1);
    // The section is written only once the sign-in works, so the second login names the portal too.
    const second = runKeyfob(args, home.env);
    const [url] = await waitForLines(urlFile, 1);
    expect(url).toMatch(new RegExp(`^${emulator.url}/authorize\\?response_type=code&client_id=.*&code_challenge_method=S256`));
    const page = await browser.newPage();
    await approveInBrowser(page, url, { username: DEMO_USER.username, password: DEMO_USER.password, mfa: DEMO_USER.mfaCode, action: 'allow' });
    await page.waitForURL(/127\.0\.0\.1:\d+\/oauth\/callback/);
    expect(await page.textContent('h1')).toBe('Signed in to keyfob');
    await page.close();
    const [a, b] = await Promise.all([first, second]);
    expect(a.stdout).toMatch(/^Signed in to d-9067c0ffee until /);
    expect(b.stdout).toMatch(/^Signed in to d-9067c0ffee until /);
    // Both waited on the same sign-in, and only the first client opened the browser.
    expect((await second).stderr).toContain('(joined a sign-in already under way)');
    expect(readFileSync(urlFile, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    const stats = (await adminCall(emulator, 'stats')).body.calls;
    expect(stats.RegisterClient).toBe(1);
  });

  it('signs in with the device code and stops cleanly when denied', async () => {
    writeFileSync(urlFile, '');
    const allowed = runKeyfob(['login', '--device-code'], home.env);
    const [url] = await waitForLines(urlFile, 1);
    expect(url).toMatch(new RegExp(`^${emulator.url}/device\\?user_code=`));
    const page = await browser.newPage();
    await approveInBrowser(page, url, { username: DEMO_USER.username, password: DEMO_USER.password, mfa: DEMO_USER.mfaCode, action: 'allow' });
    const ok = await allowed;
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/confirm the code [A-Z]{4}-[A-Z]{4}/);

    writeFileSync(urlFile, '');
    const denied = runKeyfob(['login', '--device-code'], home.env);
    const [url2] = await waitForLines(urlFile, 1);
    await approveInBrowser(page, url2, { username: DEMO_USER.username, password: DEMO_USER.password, mfa: DEMO_USER.mfaCode, action: 'deny' });
    const no = await denied;
    expect(no.code).toBe(1);
    expect(no.stderr.trim().split('\n').pop()).toBe('keyfob: sign-in was denied in the browser; run keyfob login again to retry');
    await page.close();
  });
});
