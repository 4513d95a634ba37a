// The console browser without a browser: which one KEYFOB_CONSOLE_BROWSER or the saved setting
// picks, the per-profile user-data-dir names, granted's Firefox container URL, launch templates
// (started for real, through a recorder script), and the one-line refusals.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleBrowserChoice, describeChoice, parseConsoleBrowser, saveConsoleBrowser } from '../../src/console/browserChoice.js';
import { browserProfileDir, firefoxContainerUrl, goQueryEscape, lookFromValues, profileDirName } from '../../src/console/browserProfiles.js';
import { consoleLaunch, fillTemplate, startDetached, usableConsoleBrowser } from '../../src/console/consoleBrowser.js';
import { oneLineError } from '../helpers/oneLineError.js';

const root = mkdtempSync(join(tmpdir(), 'kf-browser-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh KEYFOB_HOME and a PATH of fake browsers. */
function place(browsers: string[] = []) {
  const dir = join(root, String(n++));
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of browsers) writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return { dir, bin, env: { PATH: bin, HOME: dir, KEYFOB_HOME: join(dir, 'kf') } as NodeJS.ProcessEnv };
}


const URL_WITH_EVERYTHING = `https://signin.aws.amazon.com/federation?Action=login&Destination=${encodeURIComponent('https://console.aws.amazon.com/s3/home')}&SigninToken=a b"c'd$(touch pwned)\`id\`;e`;

describe('the user-data-dir of a profile', () => {
  it('is a slug plus a hash: no traversal, no hidden dir, no collisions', () => {
    const names = ['Experiments/AdministratorAccess', 'a/b', 'a_b', 'a b', 'a\\b', '..', '.', '../../etc/passwd', '/abs', '', '-rf', 'ä/ö', 'x'.repeat(500)];
    const dirs = names.map(profileDirName);
    expect(new Set(dirs).size).toBe(names.length);
    for (const d of dirs) {
      expect(d).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}-[0-9a-f]{12}$|^profile-[0-9a-f]{12}$/);
      expect(resolve('/base', d).startsWith('/base/')).toBe(true);
    }
    expect(profileDirName('Experiments/AdministratorAccess')).toMatch(/^Experiments_AdministratorAccess-[0-9a-f]{12}$/);
    expect(profileDirName('a/b')).not.toBe(profileDirName('a_b'));
    // Stable: the same profile comes back to the same browser profile.
    expect(profileDirName('a/b')).toBe(profileDirName('a/b'));
  });

  it('is created 0700 under KEYFOB_HOME/browser, with its parents 0700', () => {
    const { env } = place();
    const dir = browserProfileDir('QA/ReadOnlyAccess', env);
    expect(dir).toBe(join(env.KEYFOB_HOME!, 'browser', profileDirName('QA/ReadOnlyAccess')));
    for (const d of [env.KEYFOB_HOME!, join(env.KEYFOB_HOME!, 'browser'), dir]) expect(statSync(d).mode & 0o777, d).toBe(0o700);
    // A browser dir others can write is refused, in one line.
    chmodSync(join(env.KEYFOB_HOME!, 'browser'), 0o777);
    expect(oneLineError(() => browserProfileDir('QA/ReadOnlyAccess', env))).toMatch(/can be written by other users/);
  });
});

describe("granted's Firefox container URL", () => {
  it('is produced exactly as granted formats it (url.QueryEscape of the URL, then color and icon)', () => {
    const url = 'https://signin.aws.amazon.com/federation?Action=login&Issuer=https%3A%2F%2Fd-1.awsapps.com%2Fstart&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome&SigninToken=ab+c/d=';
    // fmt.Sprintf("ext+granted-containers:name=%s&url=%s&color=%s&icon=%s", name, url.QueryEscape(u), color, icon)
    expect(firefoxContainerUrl('Experiments/AdministratorAccess', url, { color: 'red', icon: 'briefcase' })).toBe(
      'ext+granted-containers:name=Experiments/AdministratorAccess&url=https%3A%2F%2Fsignin.aws.amazon.com%2Ffederation%3FAction%3Dlogin%26Issuer%3Dhttps%253A%252F%252Fd-1.awsapps.com%252Fstart%26Destination%3Dhttps%253A%252F%252Fconsole.aws.amazon.com%252Fconsole%252Fhome%26SigninToken%3Dab%2Bc%2Fd%3D&color=red&icon=briefcase',
    );
    // Unset colour and icon are empty, as granted leaves them; the extension then picks its own.
    expect(firefoxContainerUrl('dev', 'https://x.test/')).toBe('ext+granted-containers:name=dev&url=https%3A%2F%2Fx.test%2F&color=&icon=');
    expect(goQueryEscape("a b!*'()~-_.")).toBe('a+b%21%2A%27%28%29~-_.');
  });

  it('reads back as the extension parses it, even for a hostile profile name', () => {
    const name = 'a&url=https://evil.test/&color=red b';
    const link = firefoxContainerUrl(name, URL_WITH_EVERYTHING, { color: 'blue' });
    // granted-containers src/opener/parser.ts: URLSearchParams over what follows the prefix.
    const qs = new URLSearchParams(link.slice('ext+granted-containers:'.length));
    expect([qs.get('name'), qs.get('url'), qs.get('color'), qs.getAll('url').length]).toEqual([name, URL_WITH_EVERYTHING, 'blue', 1]);
  });
});

describe('colour and icon per profile', () => {
  it('takes keyfob_color/keyfob_icon, else granted_color/granted_icon, and refuses others naming the allowed ones', () => {
    expect(lookFromValues('p', { keyfob_color: 'green', granted_color: 'red', granted_icon: 'tree' })).toEqual({ color: 'green', icon: 'tree' });
    expect(lookFromValues('p', {})).toEqual({ color: undefined, icon: undefined });
    expect(oneLineError(() => lookFromValues('Prod/Admin', { keyfob_color: 'magenta' }))).toBe(
      'profile "Prod/Admin": keyfob_color = "magenta" is not a container color; use one of blue, turquoise, green, yellow, orange, red, pink, purple',
    );
    expect(oneLineError(() => lookFromValues('p', { granted_icon: 'skull' }))).toMatch(/^profile "p": granted_icon = "skull" is not a container icon; use one of fingerprint, briefcase, .*chill$/);
  });
});

describe('launch templates', () => {
  it('fills placeholders inside each word: the URL is always exactly one argument', () => {
    const browser = parseConsoleBrowser(`my-browser --profile "{profile}" --app={url} '{url}'`, 'KEYFOB_CONSOLE_BROWSER');
    expect(browser).toEqual({ kind: 'template', words: ['my-browser', '--profile', '{profile}', '--app={url}', '{url}'] });
    const argv = fillTemplate((browser as { words: string[] }).words, { profile: 'Dev Team/Admin {url}', url: URL_WITH_EVERYTHING });
    expect(argv).toEqual(['my-browser', '--profile', `Dev Team/Admin {url}`, `--app=${URL_WITH_EVERYTHING}`, URL_WITH_EVERYTHING]);
  });

  it('runs the program with that argv and no shell', async () => {
    const { dir, env } = place();
    const out = join(dir, 'argv');
    const recorder = join(dir, 'record.sh');
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\0' "$@" > '${out}.tmp' && mv '${out}.tmp' '${out}'\n`, { mode: 0o755 });
    const browser = parseConsoleBrowser(`${recorder} {profile} {url}`, 'KEYFOB_CONSOLE_BROWSER', env);
    const launch = consoleLaunch(browser, URL_WITH_EVERYTHING, 'QA/ReadOnly Access', env);
    expect(launch.kind).toBe('spawn');
    await startDetached((launch as { argv: string[] }).argv, { ...env, PATH: '/usr/bin:/bin' });
    for (const deadline = Date.now() + 10_000; !existsSync(out) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(out, 'utf8').split('\0').slice(0, -1)).toEqual(['QA/ReadOnly Access', URL_WITH_EVERYTHING]);
    expect(readdirSync(dir)).not.toContain('pwned');
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
  });

  it('a program that cannot start is one line naming the program, never the URL', async () => {
    const { env } = place();
    const err = await startDetached(['/nonexistent/browser', URL_WITH_EVERYTHING], env).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^cannot start the console browser \/nonexistent\/browser \(ENOENT\); check KEYFOB_CONSOLE_BROWSER or run: keyfob browser$/);
  });
});

describe('the choice', () => {
  it('finds Chromium-family browsers on PATH by their usual names, or takes a path', () => {
    const { bin, env } = place(['chromium-browser', 'google-chrome-stable', 'brave', 'microsoft-edge', 'vivaldi-stable', 'firefox']);
    expect(parseConsoleBrowser('chromium', 'x', env)).toEqual({ kind: 'chromium', family: 'chromium', executable: join(bin, 'chromium-browser') });
    expect(parseConsoleBrowser('chrome', 'x', env)).toEqual({ kind: 'chromium', family: 'chrome', executable: join(bin, 'google-chrome-stable') });
    expect(parseConsoleBrowser('brave', 'x', env)).toMatchObject({ executable: join(bin, 'brave') });
    expect(parseConsoleBrowser('edge', 'x', env)).toMatchObject({ executable: join(bin, 'microsoft-edge') });
    expect(parseConsoleBrowser('vivaldi', 'x', env)).toMatchObject({ executable: join(bin, 'vivaldi-stable') });
    expect(parseConsoleBrowser('firefox-containers', 'x', env)).toEqual({ kind: 'firefox-containers', executable: join(bin, 'firefox') });
    expect(parseConsoleBrowser(join(bin, 'brave'), 'x', env)).toEqual({ kind: 'chromium', family: 'path', executable: join(bin, 'brave') });
  });

  it('starts a Chromium-family browser with its own user-data-dir per profile, and the URL last', () => {
    const { bin, env } = place(['chromium']);
    const browser = parseConsoleBrowser('chromium', 'x', env);
    const a = consoleLaunch(browser, 'https://x.test/a', 'a/b', env);
    const b = consoleLaunch(browser, 'https://x.test/b', 'a_b', env);
    expect(a).toEqual({
      kind: 'spawn',
      argv: [join(bin, 'chromium'), `--user-data-dir=${join(env.KEYFOB_HOME!, 'browser', profileDirName('a/b'))}`, '--no-first-run', '--no-default-browser-check', 'https://x.test/a'],
    });
    expect((b as { argv: string[] }).argv[1]).not.toBe((a as { argv: string[] }).argv[1]);
    expect(oneLineError(() => consoleLaunch(browser, 'file:///etc/passwd', 'a', env))).toMatch(/not an http\(s\) URL/);
    expect(consoleLaunch({ kind: 'stdout' }, 'https://x.test/', 'a', env)).toEqual({ kind: 'stdout', text: 'https://x.test/\n' });
  });

  it('a desktop browser needs a display; stdout and templates do not', () => {
    const { env } = place(['chromium']);
    const chromiumHere = { ...env, KEYFOB_CONSOLE_BROWSER: 'chromium' };
    if (process.platform === 'linux') expect(oneLineError(() => usableConsoleBrowser(chromiumHere))).toMatch(/^no display to start .*chromium on \(SSH, or no DISPLAY\/WAYLAND_DISPLAY\); run again with --url to print the sign-in URL$/);
    expect(oneLineError(() => usableConsoleBrowser({ ...chromiumHere, SSH_TTY: '/dev/pts/1' }))).toMatch(/^no display to start/);
    expect(usableConsoleBrowser({ ...chromiumHere, DISPLAY: ':0' })).toMatchObject({ kind: 'chromium' });
    expect(usableConsoleBrowser({ ...env, KEYFOB_CONSOLE_BROWSER: 'stdout' })).toEqual({ kind: 'stdout' });
    expect(usableConsoleBrowser({ ...env, KEYFOB_CONSOLE_BROWSER: '/bin/true {url}' })).toMatchObject({ kind: 'template' });
    expect(oneLineError(() => usableConsoleBrowser({ ...env, KEYFOB_BROWSER: 'none', DISPLAY: ':0' }))).toMatch(/^no browser to open the console \(KEYFOB_BROWSER=none/);
  });

  it('the environment variable overrides the saved setting, which overrides the default', async () => {
    const { env } = place(['chromium']);
    mkdirSync(env.KEYFOB_HOME!, { mode: 0o700 });
    writeFileSync(join(env.KEYFOB_HOME!, 'settings.json'), '{"forward_profiles": ["Dev/*"]}\n', { mode: 0o600 });
    expect(consoleBrowserChoice(env)).toMatchObject({ browser: { kind: 'default' }, source: 'auto' });

    expect(await saveConsoleBrowser('chromium', env)).toBe(`console browser saved in ${join(env.KEYFOB_HOME!, 'settings.json')}`);
    const file = join(env.KEYFOB_HOME!, 'settings.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ forward_profiles: ['Dev/*'], console_browser: 'chromium' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = consoleBrowserChoice(env);
    expect(saved).toMatchObject({ browser: { kind: 'chromium' }, source: 'settings' });
    expect(describeChoice(saved)).toMatch(/^chromium \(.*\/chromium\), one profile dir per role under KEYFOB_HOME\/browser; from console_browser in .*settings\.json$/);

    const overridden = { ...env, KEYFOB_CONSOLE_BROWSER: 'stdout' };
    expect(consoleBrowserChoice(overridden)).toMatchObject({ browser: { kind: 'stdout' }, source: 'environment', where: 'KEYFOB_CONSOLE_BROWSER' });
    expect(await saveConsoleBrowser(undefined, overridden)).toMatch(/unset in .*; KEYFOB_CONSOLE_BROWSER is set in this shell and wins over it$/);
    expect(consoleBrowserChoice(env)).toMatchObject({ source: 'auto' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ forward_profiles: ['Dev/*'] });
  });

  it('refuses bad values in one line that says what to do, and saves nothing', async () => {
    const { env } = place();
    const where = 'KEYFOB_CONSOLE_BROWSER';
    expect(oneLineError(() => parseConsoleBrowser('firefox', where, env))).toBe(
      `KEYFOB_CONSOLE_BROWSER "firefox" is not a browser keyfob knows; give one of chromium, chrome, brave, edge, vivaldi, firefox-containers, default, stdout, a path to a Chromium-family binary, or a launch template with {url} (e.g. 'my-browser --profile {profile} {url}')`,
    );
    expect(oneLineError(() => parseConsoleBrowser('chrome', where, env))).toBe(
      'KEYFOB_CONSOLE_BROWSER "chrome" is not installed here: no google-chrome or google-chrome-stable on PATH; install it, or give the path to its binary',
    );
    expect(oneLineError(() => parseConsoleBrowser('firefox-containers', where, env))).toMatch(/needs firefox, and there is no firefox on PATH/);
    expect(oneLineError(() => parseConsoleBrowser('my-browser --new-window', where, env))).toMatch(/is a command without \{url\}; put \{url\} where the URL goes/);
    expect(oneLineError(() => parseConsoleBrowser("my-browser '{url}", where, env))).toMatch(/has an unclosed quote/);
    expect(oneLineError(() => parseConsoleBrowser('{url}', where, env))).toMatch(/must start with the program to run/);
    expect(oneLineError(() => parseConsoleBrowser('/nonexistent/chrome', where, env))).toMatch(/is not an executable file; give the full path/);
    await expect(saveConsoleBrowser('firefox', env)).rejects.toThrow(/^the console browser "firefox" is not a browser keyfob knows/);
    expect(existsSync(join(env.KEYFOB_HOME!, 'settings.json'))).toBe(false);

    // A broken settings file is named, and never overwritten.
    mkdirSync(env.KEYFOB_HOME!, { recursive: true, mode: 0o700 });
    writeFileSync(join(env.KEYFOB_HOME!, 'settings.json'), '{not json', { mode: 0o600 });
    expect(oneLineError(() => consoleBrowserChoice(env))).toMatch(/settings\.json is not JSON; fix or remove it, or set KEYFOB_CONSOLE_BROWSER$/);
    await expect(saveConsoleBrowser('stdout', env)).rejects.toThrow(/is not JSON; fix or remove it/);
    expect(readFileSync(join(env.KEYFOB_HOME!, 'settings.json'), 'utf8')).toBe('{not json');
    writeFileSync(join(env.KEYFOB_HOME!, 'settings.json'), '{"console_browser": 3}', { mode: 0o600 });
    expect(oneLineError(() => consoleBrowserChoice(env))).toMatch(/console_browser in .* must be a string; run: keyfob browser set VALUE$/);
  });
});

describe('keyfob browser', () => {
  it('shows the choice and its source, saves one, refuses a bad one in one line, and forgets it', async () => {
    const { runKeyfob } = await import('../helpers/keyfob.js');
    const { env } = place(['brave-browser']);
    const e = { ...(env as Record<string, string>), PATH: `${env.PATH}:${process.env.PATH}` };
    expect(await runKeyfob(['browser'], e)).toMatchObject({ code: 0, stderr: '', stdout: expect.stringMatching(/^default \(the system browser.*; from nothing set/) });
    expect(await runKeyfob(['browser', 'set', 'brave'], e)).toMatchObject({ code: 0, stdout: '', stderr: `keyfob: console browser saved in ${join(env.KEYFOB_HOME!, 'settings.json')}\n` });
    expect((await runKeyfob(['browser'], e)).stdout).toBe(
      `brave (${join(env.PATH!, 'brave-browser')}), one profile dir per role under KEYFOB_HOME/browser; from console_browser in ${join(env.KEYFOB_HOME!, 'settings.json')}\n`,
    );
    expect((await runKeyfob(['browser'], { ...e, KEYFOB_CONSOLE_BROWSER: 'stdout' })).stdout).toBe('stdout (the sign-in URL is printed); from KEYFOB_CONSOLE_BROWSER\n');
    const bad = await runKeyfob(['browser', 'set', 'netscape'], e);
    expect(bad).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^keyfob: the console browser "netscape" is not a browser keyfob knows; give one of [^\n]*\n$/) });
    expect(await runKeyfob(['browser', 'unset'], e)).toMatchObject({ code: 0, stderr: expect.stringMatching(/^keyfob: console browser unset in /) });
    expect((await runKeyfob(['browser'], e)).stdout).toMatch(/^default /);
  });
});

describe('settings.json', () => {
  it('keeps every key when writers run at once (one lock around read, change, write)', async () => {
    const { saveSetting, readSettings } = await import('../../src/core/settings.js');
    const { env } = place();
    await Promise.all(Array.from({ length: 8 }, (_, i) => saveSetting(`key${i}`, i, env)));
    expect(readSettings(env).values).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`key${i}`, i])));
    expect(readdirSync(env.KEYFOB_HOME!).sort()).toEqual(['settings.json']);
  });
});
