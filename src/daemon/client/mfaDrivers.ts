// The MFA prompt drivers: where the client gets a code when the daemon asks for one (428). The
// setting is the user's own (KEYFOB_MFA_PROMPT, else `mfa_prompt` in KEYFOB_HOME/settings.json,
// else `terminal`) and picks a row of ONE table, which alone names each program, its argv and how
// its output is read: zenity and kdialog (Linux desktops), osascript (macOS), ykman (a YubiKey's
// TOTP). So the drivers no test here can run (osascript, kdialog, ykman) take the same code path as
// the one tested under Xvfb (zenity), and their rows are unit-tested with fake programs on PATH.
// Every driver runs as the user, in the client (never in the daemon), without a shell, for at most
// DRIVER_TIMEOUT_MS. The argv follows aws-vault's prompt/ drivers, except that osascript gets the
// message as an argument (never spliced into the script) and ykman gets `--` before the account.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { KeyfobError, MfaPromptError, oneLine } from '../../core/errors.js';
import { readSettings } from '../../core/settings.js';
import { visible } from '../../core/terminalText.js';
import { runWithInput, type ChildResult } from '../../store/boundedChild.js';
import { findOnPath } from '../../core/programs.js';

export const MFA_PROMPT_ENV = 'KEYFOB_MFA_PROMPT';
export const MFA_PROMPT_SETTING = 'mfa_prompt';
export const MFA_PROMPTS = ['terminal', 'zenity', 'kdialog', 'osascript', 'ykman', 'auto'] as const;
export type MfaPrompt = (typeof MFA_PROMPTS)[number];
export type ProgramDriver = Exclude<MfaPrompt, 'terminal' | 'auto'>;

/** How long a driver may take: a person reading and answering a dialog, or touching a YubiKey. */
export const DRIVER_TIMEOUT_MS = 60_000;

/** What a driver is asked for. */
export interface MfaAsk {
  /** The profile whose mfa_serial it is. */
  profile: string;
  serial: string;
  /** The client's environment: the driver's PATH, DISPLAY, and ykman's YKMAN_OATH_* settings. */
  env: NodeJS.ProcessEnv;
}

interface DriverRow {
  /** The program, found on the user's PATH. */
  program: string;
  argv(ask: MfaAsk): string[];
  /** The code in what the program printed, or undefined when there is none. */
  parse(stdout: string, ask: MfaAsk): string | undefined;
  /** Whether an exit means the person cancelled (a dialog's Cancel or Escape). */
  cancelled(result: ChildResult): boolean;
  /** Whether what it says on stderr is for the person (shown as it comes, terminal-safe). */
  speaks?: boolean;
  /** What to check when it printed no code (a device's driver); a dialog with no code typed counts as cancelled. */
  noCode?: (ask: MfaAsk) => string;
}

const message = (ask: MfaAsk) => visible(`MFA code for profile ${ask.profile} (${ask.serial}):`);
/** zenity's --text is Pango markup. */
const markupEscaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A dialog prints the text typed, then a newline. */
const typedLine = (stdout: string) => stdout.split('\n')[0]!.trim();

/** The YubiKey OATH account: YKMAN_OATH_CREDENTIAL_NAME (as aws-vault reads it), else the mfa_serial. */
export const ykmanAccount = (ask: MfaAsk) => ask.env.YKMAN_OATH_CREDENTIAL_NAME || ask.serial;

export const DRIVERS: Record<ProgramDriver, DriverRow> = {
  zenity: {
    program: 'zenity',
    argv: (ask) => ['--entry', '--title', 'keyfob', '--text', markupEscaped(message(ask))],
    parse: typedLine,
    cancelled: (r) => r.code === 1, // Cancel, Escape or the window closed; 5 is its own --timeout
  },
  kdialog: {
    program: 'kdialog',
    argv: (ask) => ['--title', 'keyfob', '--inputbox', message(ask)],
    parse: typedLine,
    cancelled: (r) => r.code === 1,
  },
  osascript: {
    program: 'osascript',
    // The message is the run handler's argument: nothing from the config becomes AppleScript.
    argv: (ask) => [
      '-e',
      'on run argv',
      '-e',
      'text returned of (display dialog (item 1 of argv) with title "keyfob" default answer "" buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel")',
      '-e',
      'end run',
      message(ask),
    ],
    parse: typedLine,
    cancelled: (r) => r.code === 1 && /-128/.test(r.stderr), // "User canceled. (-128)"
  },
  ykman: {
    program: 'ykman',
    argv: (ask) => [
      ...(ask.env.YKMAN_OATH_DEVICE_SERIAL ? ['--device', ask.env.YKMAN_OATH_DEVICE_SERIAL] : []),
      'oath',
      'accounts',
      'code',
      '--single',
      '--',
      ykmanAccount(ask),
    ],
    // --single prints the code alone; without it (or an older ykman) a line per account, `ACCOUNT  CODE`.
    parse: (stdout, ask) => {
      const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      const account = ykmanAccount(ask);
      for (const line of lines) {
        if (/^\d{6,8}$/.test(line)) return line;
        const m = /^(.*\S)\s+(\d{6,8})$/.exec(line);
        if (m && (m[1] === account || lines.length === 1)) return m[2];
      }
      return undefined;
    },
    cancelled: () => false,
    speaks: true, // "Touch your YubiKey..." for an account that requires touch
    noCode: (ask) => `ykman printed no code for account ${JSON.stringify(ykmanAccount(ask))}; check: ykman oath accounts list, or set YKMAN_OATH_CREDENTIAL_NAME`,
  },
};

/** Whether this process has a controlling terminal to ask on (/dev/tty opens). */
export function hasTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** Whether `program` is on the PATH of `env`. */
export const onPath = (program: string, env: NodeJS.ProcessEnv) => findOnPath(program, env) !== undefined;

const badSetting = (where: string, value: unknown) =>
  new KeyfobError('BadSetting', `${where} is ${JSON.stringify(value)}; choose one of ${MFA_PROMPTS.join(', ')}, e.g. run: keyfob mfa-prompt set auto`);

/** The setting in force and where it comes from: the environment, then the saved one, then `terminal`. */
export function mfaPromptSetting(env: NodeJS.ProcessEnv): { prompt: MfaPrompt; from: string } {
  const fromEnv = env[MFA_PROMPT_ENV];
  if (fromEnv) {
    if (!(MFA_PROMPTS as readonly string[]).includes(fromEnv)) throw badSetting(MFA_PROMPT_ENV, fromEnv);
    return { prompt: fromEnv as MfaPrompt, from: MFA_PROMPT_ENV };
  }
  const settings = readSettings(env);
  if (settings.problem) throw new KeyfobError('BadSetting', `${settings.problem}; fix or remove it, or set ${MFA_PROMPT_ENV}`);
  const saved = settings.values[MFA_PROMPT_SETTING];
  if (saved === undefined) return { prompt: 'terminal', from: 'the default' };
  if (typeof saved !== 'string' || !(MFA_PROMPTS as readonly string[]).includes(saved)) throw badSetting(`"${MFA_PROMPT_SETTING}" in ${settings.file}`, saved);
  return { prompt: saved as MfaPrompt, from: settings.file };
}

/**
 * The driver to use now: `terminal`, a program row, or undefined when `auto` finds nothing (no
 * terminal, no dialog program for this desktop). `auto`: the terminal when there is one; else
 * osascript on macOS; else, on an X11 or Wayland desktop, zenity, then kdialog. Never ykman.
 */
export function pickDriver(prompt: MfaPrompt, env: NodeJS.ProcessEnv, hasTerminal: boolean, platform: NodeJS.Platform = process.platform): 'terminal' | ProgramDriver | undefined {
  if (prompt !== 'auto') return prompt;
  if (hasTerminal) return 'terminal';
  const candidates: ProgramDriver[] = platform === 'darwin' ? ['osascript'] : env.DISPLAY || env.WAYLAND_DISPLAY ? ['zenity', 'kdialog'] : [];
  return candidates.find((driver) => onPath(DRIVERS[driver].program, env));
}

/** Runs a driver's row and returns the code; a cancel, a time-out, a missing program or no code is an MfaPromptError. */
export async function askWithDriver(driver: ProgramDriver, ask: MfaAsk, timeoutMs = DRIVER_TIMEOUT_MS): Promise<string> {
  const row = DRIVERS[driver];
  const what = `the ${driver} MFA prompt for profile ${JSON.stringify(ask.profile)}`;
  const choose = `choose another prompt: keyfob mfa-prompt set ${MFA_PROMPTS.join('|')}`;
  const again = `run the command again, or ${choose}`;
  let result: ChildResult;
  try {
    const onStderr = row.speaks ? (text: string) => void process.stderr.write(text.split('\n').map(visible).join('\n')) : undefined;
    result = await runWithInput(row.program, row.argv(ask), '', timeoutMs, { env: ask.env, onStderr });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MfaPromptError('MfaPromptFailed', `${what} cannot start: ${missing ? `${row.program} is not on PATH` : oneLine(err)}; install it, or ${choose}`);
  }
  if (result.timedOut) throw new MfaPromptError('MfaPromptFailed', `${what} got no answer within ${timeoutMs / 1000} s; ${again}`);
  if (row.cancelled(result)) throw new MfaPromptError('Cancelled', `${what} was cancelled; nothing was sent, run the command again to be asked again`);
  if (result.code !== 0) {
    const said = oneLine(result.stderr.trim().split('\n').pop() ?? '');
    throw new MfaPromptError('MfaPromptFailed', `${what} failed (${row.program} exit ${result.code ?? result.signal}${said ? `: ${said}` : ''}); ${again}`);
  }
  const code = row.parse(result.stdout, ask);
  if (!code) {
    if (row.noCode) throw new MfaPromptError('MfaPromptFailed', `${what}: ${visible(row.noCode(ask))}; run the command again`);
    throw new MfaPromptError('Cancelled', `${what}: no code was entered; run the command again`);
  }
  return code;
}
