// Which browser opens a console: KEYFOB_CONSOLE_BROWSER, else the saved `console_browser` in
// KEYFOB_HOME/settings.json (`keyfob browser set`), else `default`. Values:
//   chromium | chrome | brave | edge | vivaldi   found on PATH (macOS: /Applications), one profile dir per role
//   /path/to/binary                              a Chromium-family binary, the same way
//   firefox-containers                           granted's Firefox extension, one container per role
//   default                                      the system browser (KEYFOB_BROWSER, else `open`)
//   stdout                                       print the URL
//   'cmd --flag {profile} {url}'                 a launch template: shlex words, placeholders per word

import { join } from 'node:path';
import { KeyfobError } from '../core/errors.js';
import { expandPath } from '../core/paths.js';
import { readSettings } from '../core/settings.js';
import { shlexSplit } from '../core/shellWords.js';
import { findOnPath, isExecutableFile } from '../core/programs.js';

export const CONSOLE_BROWSER_ENV = 'KEYFOB_CONSOLE_BROWSER';
/** The key in settings.json. */
export const CONSOLE_BROWSER_SETTING = 'console_browser';

export const CHROMIUM_FAMILY = ['chromium', 'chrome', 'brave', 'edge', 'vivaldi'] as const;
export type ChromiumFamily = (typeof CHROMIUM_FAMILY)[number];

/** Command names on PATH, then the macOS app bundles' binaries. */
const COMMANDS: Record<ChromiumFamily | 'firefox', { names: string[]; mac: string }> = {
  chromium: { names: ['chromium', 'chromium-browser'], mac: '/Applications/Chromium.app/Contents/MacOS/Chromium' },
  chrome: { names: ['google-chrome', 'google-chrome-stable'], mac: '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome' },
  brave: { names: ['brave-browser', 'brave'], mac: '/Applications/Brave Browser.app/Contents/MacOS/Brave Browser' },
  edge: { names: ['microsoft-edge', 'microsoft-edge-stable'], mac: '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge' },
  vivaldi: { names: ['vivaldi', 'vivaldi-stable'], mac: '/Applications/Vivaldi.app/Contents/MacOS/Vivaldi' },
  firefox: { names: ['firefox'], mac: '/Applications/Firefox.app/Contents/MacOS/firefox' },
};

export type ConsoleBrowser =
  | { kind: 'chromium'; family: ChromiumFamily | 'path'; executable: string }
  | { kind: 'firefox-containers'; executable: string }
  | { kind: 'default' }
  | { kind: 'stdout' }
  | { kind: 'template'; words: string[] };

export type ChoiceSource = 'environment' | 'settings' | 'auto';

export interface ConsoleBrowserChoice {
  browser: ConsoleBrowser;
  /** The value as given ('default' when auto-detected). */
  value: string;
  source: ChoiceSource;
  /** Where it came from, for `keyfob browser` and doctor: the variable, the file, or why auto. */
  where: string;
}

const KEYWORDS = `${CHROMIUM_FAMILY.join(', ')}, firefox-containers, default, stdout`;
const WHAT_TO_GIVE = `give one of ${KEYWORDS}, a path to a Chromium-family binary, or a launch template with {url} (e.g. 'my-browser --profile {profile} {url}')`;

const badSetting = (where: string, value: string, why: string) =>
  new KeyfobError('BadSetting', `${where} ${JSON.stringify(value)} ${why}`);

/** The first of the names found on PATH (then the macOS binary), or undefined. */
export function findBrowser(name: ChromiumFamily | 'firefox', env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  for (const command of COMMANDS[name].names) {
    const found = findOnPath(command, env, { absoluteOnly: true });
    if (found) return found;
  }
  if (platform === 'darwin' && isExecutableFile(COMMANDS[name].mac)) return COMMANDS[name].mac;
  return undefined;
}

/** Chromium-family browsers on this machine, for doctor's hint. */
export function chromiumFamilyFound(env: NodeJS.ProcessEnv = process.env): ChromiumFamily[] {
  return CHROMIUM_FAMILY.filter((family) => findBrowser(family, env) !== undefined);
}

/** Parses one value; `where` names its source in the one-line errors. */
export function parseConsoleBrowser(value: string, where: string, env: NodeJS.ProcessEnv = process.env): ConsoleBrowser {
  const trimmed = value.trim();
  if (trimmed === 'default' || trimmed === 'stdout') return { kind: trimmed };
  if (trimmed === 'firefox-containers') {
    const found = findBrowser('firefox', env);
    if (!found) throw badSetting(where, value, 'needs firefox, and there is no firefox on PATH; install it with granted\'s "Granted Containers" extension, or pick another browser');
    return { kind: 'firefox-containers', executable: found };
  }
  if ((CHROMIUM_FAMILY as readonly string[]).includes(trimmed)) {
    const family = trimmed as ChromiumFamily;
    const found = findBrowser(family, env);
    if (!found) throw badSetting(where, value, `is not installed here: no ${COMMANDS[family].names.join(' or ')} on PATH; install it, or give the path to its binary`);
    return { kind: 'chromium', family, executable: found };
  }
  const words = shlexSplit(trimmed);
  if (words === undefined) throw badSetting(where, value, 'has an unclosed quote or a trailing backslash; fix the quoting');
  if (words.length === 0) throw badSetting(where, value, `is empty; ${WHAT_TO_GIVE}`);
  if (words.some((w) => w.includes('{url}'))) {
    if (!words[0] || words[0].includes('{')) throw badSetting(where, value, 'must start with the program to run, not a placeholder');
    return { kind: 'template', words };
  }
  if (words.length === 1 && (words[0].includes('/') || words[0].startsWith('~'))) {
    const path = expandPath(words[0], env);
    if (!path.startsWith('/') || !isExecutableFile(path)) throw badSetting(where, value, 'is not an executable file; give the full path to a Chromium-family binary');
    return { kind: 'chromium', family: 'path', executable: path };
  }
  if (words.length > 1) throw badSetting(where, value, "is a command without {url}; put {url} where the URL goes, e.g. 'my-browser --new-window {url}'");
  throw badSetting(where, value, `is not a browser keyfob knows; ${WHAT_TO_GIVE}`);
}

/** The browser for the console: the environment over the saved setting over `default`. */
export function consoleBrowserChoice(env: NodeJS.ProcessEnv = process.env): ConsoleBrowserChoice {
  const fromEnv = env[CONSOLE_BROWSER_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { browser: parseConsoleBrowser(fromEnv, CONSOLE_BROWSER_ENV, env), value: fromEnv, source: 'environment', where: CONSOLE_BROWSER_ENV };
  }
  const settings = readSettings(env);
  if (settings.problem) throw new KeyfobError('BadSetting', `${settings.problem}; fix or remove it, or set ${CONSOLE_BROWSER_ENV}`);
  const saved = settings.values[CONSOLE_BROWSER_SETTING];
  if (saved !== undefined) {
    const where = `${CONSOLE_BROWSER_SETTING} in ${settings.file}`;
    if (typeof saved !== 'string') throw new KeyfobError('BadSetting', `${where} must be a string; run: keyfob browser set VALUE`);
    return { browser: parseConsoleBrowser(saved, where, env), value: saved, source: 'settings', where };
  }
  // The system browser, as before: a per-role profile is a separate browser window without the
  // user's extensions and passwords, so it is chosen, not imposed (docs/user-guide.md).
  return { browser: { kind: 'default' }, value: 'default', source: 'auto', where: `nothing set (${CONSOLE_BROWSER_ENV} or keyfob browser set)` };
}

/** One line for `keyfob browser` and doctor: the choice and where it came from. */
export function describeChoice(choice: ConsoleBrowserChoice): string {
  const b = choice.browser;
  const what =
    b.kind === 'chromium'
      ? `${choice.value.trim()} (${b.executable}), one profile dir per role under KEYFOB_HOME/browser`
      : b.kind === 'firefox-containers'
        ? `firefox-containers (${b.executable}), one container per role through granted's extension`
        : b.kind === 'template'
          ? `the launch template ${JSON.stringify(choice.value.trim())}`
          : b.kind === 'stdout'
            ? 'stdout (the sign-in URL is printed)'
            : 'default (the system browser: KEYFOB_BROWSER, else the desktop default; one sign-in at a time)';
  return `${what}; from ${choice.where}`;
}

/** `keyfob browser set VALUE` (undefined: unset): checked here, then saved in settings.json. */
export async function saveConsoleBrowser(value: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { saveSetting } = await import('../core/settings.js');
  if (value !== undefined) parseConsoleBrowser(value, 'the console browser', env);
  const file = await saveSetting(CONSOLE_BROWSER_SETTING, value?.trim(), env);
  const overridden = env[CONSOLE_BROWSER_ENV]?.trim() ? `; ${CONSOLE_BROWSER_ENV} is set in this shell and wins over it` : '';
  return value === undefined ? `console browser unset in ${file}${overridden}` : `console browser saved in ${file}${overridden}`;
}
