// Opening a console sign-in URL in the chosen browser (browserChoice.ts), in this client, as the
// user: never the daemon. Programs are started with an argv, never through a shell, and the URL is
// always exactly one argument. `keyfob console`, `assume -c` and the portal all come here.
import { spawn } from 'node:child_process';
import { KeyfobError } from '../core/errors.js';
import { browserAtHand, openInBrowser, pickBrowserEnv } from '../signin/browser.js';
import { consoleBrowserChoice, type ConsoleBrowser } from './browserChoice.js';
import { browserProfileDir, firefoxContainerUrl, profileLook, type ProfileLook } from './browserProfiles.js';

/** What opening the URL comes to: a program to start, the URL to print, or the system browser. */
export type ConsoleLaunch = { kind: 'spawn'; argv: string[] } | { kind: 'stdout'; text: string } | { kind: 'default'; url: string };

/** Fills {profile} and {url} inside each word; a word is never split again, so the URL stays one. */
export function fillTemplate(words: string[], values: { profile: string; url: string }): string[] {
  return words.map((word) => word.replace(/\{(profile|url)\}/g, (_, key: 'profile' | 'url') => values[key]));
}

/**
 * The launch for a profile's console URL. Creates the profile's user-data-dir for Chromium-family
 * browsers; `look` is the profile's colour and icon (profileLook), used by firefox-containers.
 */
export function consoleLaunch(browser: ConsoleBrowser, url: string, profile: string, env: NodeJS.ProcessEnv = process.env, look: ProfileLook = {}): ConsoleLaunch {
  // Only a web page: the URL came from a server, and other schemes are handed to other programs.
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new KeyfobError('BadRequest', 'the console URL is not an http(s) URL; nothing opened');
  switch (browser.kind) {
    case 'chromium':
      return {
        kind: 'spawn',
        argv: [browser.executable, `--user-data-dir=${browserProfileDir(profile, env)}`, '--no-first-run', '--no-default-browser-check', url],
      };
    case 'firefox-containers':
      // As granted starts Firefox for its extension: firefox --new-tab URL.
      return { kind: 'spawn', argv: [browser.executable, '--new-tab', firefoxContainerUrl(profile, url, look)] };
    case 'template':
      return { kind: 'spawn', argv: fillTemplate(browser.words, { profile, url }) };
    case 'stdout':
      return { kind: 'stdout', text: `${url}\n` };
    case 'default':
      return { kind: 'default', url };
  }
}

/** Starts argv detached, as the user; resolves once it started, throws one line when it could not. */
export function startDetached(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore', env, shell: false });
    child.once('error', (err: NodeJS.ErrnoException) =>
      // Names the program only: the URL in argv is a bearer secret.
      reject(new KeyfobError('NoBrowser', `cannot start the console browser ${argv[0]} (${err.code ?? err.message}); check KEYFOB_CONSOLE_BROWSER or run: keyfob browser`)),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** A desktop browser can show a window: a display on Linux, and none of SSH's without X forwarding. */
export function displayAtHand(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return true;
  if (env.SSH_CONNECTION || env.SSH_TTY) return false;
  return platform !== 'linux';
}

const NO_BROWSER_FIX = 'run again with --url to print the sign-in URL';

/**
 * The chosen browser, if it can show a window here; else one line. Asked before the sign-in URL is
 * made, so nothing is asked of the daemon for a console that cannot open.
 */
export function usableConsoleBrowser(env: NodeJS.ProcessEnv = process.env): ConsoleBrowser {
  const { browser } = consoleBrowserChoice(env);
  if ((browser.kind === 'chromium' || browser.kind === 'firefox-containers') && !displayAtHand(env)) {
    // The browser would die at once, unseen; the URL is a secret, so it is not printed unasked.
    throw new KeyfobError('NoBrowser', `no display to start ${browser.executable} on (SSH, or no DISPLAY/WAYLAND_DISPLAY); ${NO_BROWSER_FIX}`);
  }
  if (browser.kind === 'default' && !browserAtHand(pickBrowserEnv(env))) {
    throw new KeyfobError('NoBrowser', `no browser to open the console (KEYFOB_BROWSER=none, SSH, or no display); ${NO_BROWSER_FIX}`);
  }
  return browser;
}

/** Opens the sign-in URL with KEYFOB_BROWSER or the system browser (`default`); never prints it. */
export async function openConsoleUrl(url: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const browserEnv = pickBrowserEnv(env);
  if (!browserAtHand(browserEnv)) {
    // The URL is a bearer secret, so it is printed only when asked for (--url, or stdout).
    throw new KeyfobError('NoBrowser', `no browser to open the console (KEYFOB_BROWSER=none, SSH, or no display); ${NO_BROWSER_FIX}`);
  }
  await openInBrowser(url, browserEnv);
}

/**
 * Opens a console sign-in URL for a profile in the browser KEYFOB_CONSOLE_BROWSER (or the saved
 * setting) chooses: its own Chromium profile, its own Firefox container, a launch template, the
 * system browser, or stdout.
 */
export async function openConsoleInBrowser(url: string, opts: { profile: string; env?: NodeJS.ProcessEnv; write?: (text: string) => void }): Promise<void> {
  const env = opts.env ?? process.env;
  const browser = usableConsoleBrowser(env);
  const look = browser.kind === 'firefox-containers' ? await profileLook(opts.profile, env) : {};
  const launch = consoleLaunch(browser, url, opts.profile, env, look);
  if (launch.kind === 'spawn') return startDetached(launch.argv, env);
  if (launch.kind === 'stdout') return void (opts.write ?? ((t) => process.stdout.write(t)))(launch.text);
  return openConsoleUrl(launch.url, env);
}
