// The console end to end: sign in to the emulator through the daemon, build the sign-in URL for
// a profile (getSigninToken at the emulator's /federation via KEYFOB_FEDERATION_URL), open it in
// headless Chromium and read the emulator's console page: account, role, region, destination.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleUrlForProfile } from '../../src/console/profileConsole.js';
import { launchChromium } from '../helpers/chromium.js';
import { startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { filesUnder, keyfobHome, profileSection, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { missingPart, requirePart } from '../helpers/requirePart.js';

const SESSION = 'd-9067c0ffee';

async function waitForFile(file: string, timeoutMs = 10_000): Promise<string> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (existsSync(file) && readFileSync(file, 'utf8').endsWith('\n')) return readFileSync(file, 'utf8').trim();
  }
  throw new Error(`KEYFOB_BROWSER was not run (${file})`);
}

describe('keyfob console against the emulator', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let browser: Browser | undefined;

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    home = keyfobHome(emulator, { KEYFOB_FEDERATION_URL: `${emulator.url}/federation` });
    const login = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
    expect(login.code, login.stderr).toBe(0);
    writeFileSync(
      home.configFile,
      readFileSync(home.configFile, 'utf8') +
        profileSection('Experiments/AdministratorAccess', SESSION, '765432109876', 'AdministratorAccess') +
        // No region: the console's global endpoints, unless -r gives one.
        profileSection('Production/ReadOnlyAccess', SESSION, '432109876543', 'ReadOnlyAccess').replace('region = eu-west-1\n', ''),
    );
    // The URL checks need no browser; each landing first calls requirePart(ctx, 'chromium').
    if (missingPart('chromium') === undefined) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await home?.cleanup();
    await emulator?.close();
  });

  async function landOn(url: string) {
    const page = await browser!.newPage();
    try {
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      const text = async (id: string) => (await page.textContent(`#${id}`))?.trim();
      return { accountId: await text('account-id'), role: await text('role'), region: await text('region'), destination: await text('destination') };
    } finally {
      await page.close();
    }
  }

  it('lands on the console page as the profile’s account and role, for the service', async (ctx) => {
    const url = await consoleUrlForProfile({ profile: 'Experiments/AdministratorAccess', service: 's3', durationSeconds: 3600, env: home.env });
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe(`${emulator.url}/federation`);
    expect(parsed.searchParams.get('Action')).toBe('login');
    expect(parsed.searchParams.get('Issuer')).toBe(emulator.startUrl);
    expect(parsed.searchParams.get('Destination')).toBe('https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1');
    requirePart(ctx, 'chromium');
    expect(await landOn(url)).toEqual({
      accountId: '765432109876',
      role: 'AdministratorAccess',
      region: 'eu-west-1',
      destination: 'https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1',
    });
  });

  it('prints the URL with --url; -r picks the region and its endpoints', async (ctx) => {
    // Through assume's backend, as the shim runs `assume -c … --url`.
    const r = await runKeyfob(['assume', '-c', 'Production/ReadOnlyAccess', '-s', 'ec2', '-r', 'us-west-2', '--url'], home.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(new URL(url).searchParams.get('Destination')).toBe('https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2');
    // The token is a bearer secret: it reaches stdout because --url asked, and no file under HOME.
    const token = new URL(url).searchParams.get('SigninToken')!;
    for (const file of filesUnder(home.dir)) expect(readFileSync(file, 'utf8').includes(token), file).toBe(false);
    requirePart(ctx, 'chromium');
    expect(await landOn(url)).toMatchObject({ accountId: '432109876543', role: 'ReadOnlyAccess', region: 'us-west-2' });
  });

  it('opens the console home with KEYFOB_BROWSER, printing nothing', async (ctx) => {
    const opened = join(home.dir, 'opened-url');
    const recorder = join(home.dir, 'record-url.sh');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$1" > '${opened}'\n`);
    chmodSync(recorder, 0o755);
    const r = await runKeyfob(['console', 'Production/ReadOnlyAccess', '-d', '12h'], { ...home.env, KEYFOB_BROWSER: recorder });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const url = await waitForFile(opened);
    expect(new URL(url).searchParams.get('Destination')).toBe('https://console.aws.amazon.com/console/home');
    requirePart(ctx, 'chromium');
    expect(await landOn(url)).toMatchObject({ accountId: '432109876543', role: 'ReadOnlyAccess' });
  });

  it('refuses in one line: no browser, unknown profile, bad service, bad duration', async () => {
    const noBrowser = await runKeyfob(['console', 'Production/ReadOnlyAccess'], home.env); // KEYFOB_BROWSER=none
    expect(noBrowser.code).toBe(1);
    expect(noBrowser.stdout).toBe('');
    expect(noBrowser.stderr).toMatch(/^keyfob: no browser to open the console .*; run again with --url to print the sign-in URL\n$/);

    const unknown = await runKeyfob(['console', 'Experiments/AdministratorAcces', '--url'], home.env);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/^keyfob: profile "Experiments\/AdministratorAcces" is not in .*\n$/);

    const service = await runKeyfob(['console', 'Production/ReadOnlyAccess', '-s', 's3/../iam', '--url'], home.env);
    expect(service.stderr).toMatch(/^keyfob: "s3\/\.\.\/iam" is not a console service name; give a word of letters, digits and -, e.g. -s s3\n$/);
    expect(service.code).toBe(1);

    const duration = await runKeyfob(['console', 'Production/ReadOnlyAccess', '-d', '13h', '--url'], home.env);
    expect(duration.stderr).toMatch(/^keyfob: a console session lasts 900 to 43200 seconds \(15m to 12h\), not 46800; pick -d within that range\n$/);
    expect(duration.code).toBe(1);
  });
});
