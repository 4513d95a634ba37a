// Each role in its own browser profile, in a real Chromium. KEYFOB_CONSOLE_BROWSER names a
// Chromium-family binary by path: a recorder that writes the argv keyfob starts it with. The test
// then starts Debian's Chromium with exactly that --user-data-dir, those flags and that URL, and
// reads the emulator's console page, whose session cookie a second sign-in in the same cookie jar
// replaces (as the real console does without multi-session). firefox-containers the same way, with
// a recording firefox on PATH.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firefoxContainerUrl, profileDirName } from '../../src/console/browserProfiles.js';
import { CHROMIUM_PATH } from '../helpers/chromium.js';
import { fetchConsolePage, startTestEmulator, type RunningEmulator } from '../helpers/emulator.js';
import { keyfobHome, profileSection, runKeyfob, type KeyfobHome } from '../helpers/keyfob.js';
import { requirePart } from '../helpers/requirePart.js';

const SESSION = 'd-9067c0ffee';
const ADMIN = 'Experiments/AdministratorAccess';
const READONLY = 'Production/ReadOnlyAccess';

interface Launch {
  userDataDir: string;
  flags: string[];
  url: string;
}

describe('each role in its own Chromium profile', () => {
  let emulator: RunningEmulator;
  let home: KeyfobHome;
  let launches: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ autoApprove: true });
    launches = mkdtempSync(join(tmpdir(), 'kf-launches-'));
    const recorder = join(launches, 'fake-chromium');
    // Each start leaves one file: its argv, NUL-separated (the URL holds no NUL).
    writeFileSync(recorder, `#!/bin/sh\nf='${launches}'/argv.$$\nprintf '%s\\0' "$@" > "$f.tmp" && mv "$f.tmp" "$f"\n`, { mode: 0o755 });
    home = keyfobHome(emulator, { KEYFOB_FEDERATION_URL: `${emulator.url}/federation`, KEYFOB_CONSOLE_BROWSER: recorder, DISPLAY: ':0' });
    const login = await runKeyfob(['login', '--start-url', emulator.startUrl, '--sso-region', emulator.region], home.env);
    expect(login.code, login.stderr).toBe(0);
    writeFileSync(
      home.configFile,
      readFileSync(home.configFile, 'utf8') +
        profileSection(ADMIN, SESSION, '765432109876', 'AdministratorAccess') +
        profileSection(READONLY, SESSION, '432109876543', 'ReadOnlyAccess') +
        profileSection('Colourful', SESSION, '765432109876', 'AdministratorAccess').replace('[profile Colourful]\n', '[profile Colourful]\nkeyfob_color = red\ngranted_icon = briefcase\n') +
        profileSection('BadColour', SESSION, '765432109876', 'AdministratorAccess').replace('[profile BadColour]\n', '[profile BadColour]\nkeyfob_color = magenta\n'),
    );
    // A firefox on PATH that records its argv the same way.
    mkdirSync(join(launches, 'bin'));
    copyFileSync(recorder, join(launches, 'bin', 'firefox'));
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await home?.cleanup();
    await emulator?.close();
    rmSync(launches, { recursive: true, force: true });
  });

  /** Runs keyfob (console, or assume -c) and returns the argv of the browser it started. */
  async function startedBy(args: string[], env = home.env): Promise<string[]> {
    const before = new Set(readdirSync(launches));
    const r = await runKeyfob(args, env);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: '', stderr: '' });
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((res) => setTimeout(res, 50))) {
      const fresh = readdirSync(launches).filter((f) => /^argv\.\d+$/.test(f) && !before.has(f));
      if (fresh.length) return readFileSync(join(launches, fresh[0]!), 'utf8').split('\0').slice(0, -1);
    }
    throw new Error(`keyfob ${args.join(' ')} started no browser`);
  }

  async function openThroughKeyfob(args: string[]): Promise<Launch> {
    const argv = await startedBy(args);
    const userDataDir = argv.find((a) => a.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length);
    return { userDataDir, flags: argv.filter((a) => a.startsWith('--') && !a.startsWith('--user-data-dir=')), url: argv.at(-1)! };
  }

  async function launch(userDataDir: string, flags: string[]): Promise<BrowserContext> {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...flags, '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    contexts.push(context);
    return context;
  }

  const roleOn = async (page: Page) => (await page.textContent('#role'))?.trim();

  async function land(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/console');
    return page;
  }

  it('two roles opened one after the other both still show their own role after a reload', async (ctx) => {
    requirePart(ctx, 'chromium');
    const admin = await openThroughKeyfob(['console', ADMIN]);
    const readOnly = await openThroughKeyfob(['assume', '-c', READONLY]);

    // keyfob chose one private dir per profile, under KEYFOB_HOME/browser, with Chromium's quiet flags.
    expect(admin.userDataDir).toBe(join(home.env.KEYFOB_HOME!, 'browser', profileDirName(ADMIN)));
    expect(readOnly.userDataDir).toBe(join(home.env.KEYFOB_HOME!, 'browser', profileDirName(READONLY)));
    for (const dir of [admin.userDataDir, readOnly.userDataDir, join(home.env.KEYFOB_HOME!, 'browser')]) expect(statSync(dir).mode & 0o777, dir).toBe(0o700);
    expect(admin.flags).toEqual(['--no-first-run', '--no-default-browser-check']);

    const adminPage = await land(await launch(admin.userDataDir, admin.flags), admin.url);
    expect(await roleOn(adminPage)).toBe('AdministratorAccess');
    const readOnlyPage = await land(await launch(readOnly.userDataDir, readOnly.flags), readOnly.url);
    expect(await roleOn(readOnlyPage)).toBe('ReadOnlyAccess');

    await adminPage.reload();
    await readOnlyPage.reload();
    expect(await roleOn(adminPage)).toBe('AdministratorAccess');
    expect(await roleOn(readOnlyPage)).toBe('ReadOnlyAccess');
    expect(await adminPage.textContent('#account-id')).toBe('765432109876');
  });

  it('without a display a Chromium-family browser is not started, and the URL is not printed', async () => {
    const before = readdirSync(launches).length;
    const { DISPLAY: _display, ...noDisplay } = home.env;
    const r = await runKeyfob(['console', ADMIN], { ...noDisplay, SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`keyfob: no display to start ${home.env.KEYFOB_CONSOLE_BROWSER} on (SSH, or no DISPLAY/WAYLAND_DISPLAY); run again with --url to print the sign-in URL\n`);
    expect(readdirSync(launches).length).toBe(before);
  });

  it('with one shared profile (the default browser), the first tab shows the second role after a reload', async (ctx) => {
    requirePart(ctx, 'chromium');
    // The same two sign-ins, as the system browser gets them: one cookie jar for both.
    const admin = await openThroughKeyfob(['console', ADMIN]);
    const readOnly = await openThroughKeyfob(['console', READONLY]);
    const shared = await launch(mkdtempSync(join(launches, 'shared-')), admin.flags);
    const adminPage = await land(shared, admin.url);
    expect(await roleOn(adminPage)).toBe('AdministratorAccess');
    const readOnlyPage = await land(shared, readOnly.url);
    expect(await roleOn(readOnlyPage)).toBe('ReadOnlyAccess');

    await adminPage.reload();
    expect(await roleOn(adminPage)).toBe('ReadOnlyAccess');
    expect(existsSync(admin.userDataDir)).toBe(true);
  });

  it("firefox-containers starts firefox --new-tab with granted's container URL, in the profile's colour and icon", async () => {
    const env = { ...home.env, KEYFOB_CONSOLE_BROWSER: 'firefox-containers', PATH: `${join(launches, 'bin')}:${home.env.PATH}` };
    const argv = await startedBy(['console', 'Colourful'], env);
    expect(argv).toHaveLength(2);
    expect(argv[0]).toBe('--new-tab');
    const link = argv[1]!;
    expect(link).toMatch(/^ext\+granted-containers:name=Colourful&url=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Ffederation%3FAction%3Dlogin%26[^&]*&color=red&icon=briefcase$/);
    const url = new URLSearchParams(link.slice('ext+granted-containers:'.length)).get('url')!;
    expect(link).toBe(firefoxContainerUrl('Colourful', url, { color: 'red', icon: 'briefcase' }));
    const page = await fetchConsolePage(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<dd id="role">AdministratorAccess</dd>');

    const before = readdirSync(launches).length;
    const tokensBefore = emulator.state.calls.get('GetSigninToken');
    expect(tokensBefore).toBeGreaterThan(0);
    const bad = await runKeyfob(['console', 'BadColour'], env);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toBe('keyfob: profile "BadColour": keyfob_color = "magenta" is not a container color; use one of blue, turquoise, green, yellow, orange, red, pink, purple\n');
    expect(readdirSync(launches).length).toBe(before);
    // Refused before any sign-in URL was made.
    expect(emulator.state.calls.get('GetSigninToken')).toBe(tokensBefore);
  });
});
