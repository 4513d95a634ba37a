// The client's half of the MFA round trip: the daemon answered MfaRequired (428, with the device
// and the profile whose mfa_serial it is); get the code from the user's prompt driver (the
// terminal, /dev/tty, never stdout: credential_process's stdout is JSON; or a dialog or ykman,
// mfaDrivers.ts) and send it (POST /v1/mfa). With no way to ask, the daemon's own one-line error
// stands, with a hint: it names the command that pre-warms the session.
// Loaded from dist only when a code is needed, so the warm paths never read this file.
import { createHash } from 'node:crypto';
import { openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ReadStream } from 'node:tty';
import { KeyfobError } from '../../core/errors.js';
import { lockWithin, type HeldLock } from '../../core/lock.js';
import { visible } from '../../core/terminalText.js';
import { DURATION_PARAM, ROUTES } from '../protocol.js';
import { socketLocation } from '../../core/paths.js';
import { daemonRequest, parseAnswer } from './connection.js';
import { askWithDriver, hasTerminal, mfaPromptSetting, pickDriver } from './mfaDrivers.js';

interface MfaChallenge {
  code?: string;
  mfaSerial?: string;
  mfaProfile?: string;
}

/** Whether an error is the daemon asking for a code. */
export function isMfaChallenge(err: unknown): err is KeyfobError & MfaChallenge {
  const e = err as MfaChallenge;
  return e?.code === 'MfaRequired' && typeof e.mfaSerial === 'string' && typeof e.mfaProfile === 'string';
}

/**
 * One line typed on the terminal, or undefined when there is no terminal. Read without blocking
 * the event loop, so the prompt's lock stays fresh (proper-lockfile refreshes it on a timer) while
 * a person types: a lock gone stale would let a second client ask too.
 */
async function askOnTerminal(prompt: string): Promise<string | undefined> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return undefined; // no controlling terminal (cron, CI, an IDE)
  }
  writeSync(fd, prompt);
  const input = new ReadStream(fd); // canonical mode: the terminal hands over a whole line
  input.setEncoding('utf8');
  return new Promise((resolve) => {
    let line = '';
    const done = () => {
      input.destroy(); // closes fd
      resolve(line.split('\n')[0]!.trim());
    };
    input.on('data', (chunk: string) => {
      line += chunk;
      if (line.includes('\n') || line.length > 1024) done();
    });
    input.on('end', done);
    input.on('error', done);
  });
}

/** How long a client waits while another client asks the code for the same device. */
const WAIT_FOR_OTHER_PROMPT_MS = 5 * 60_000;

/** What a challenge came to: a code was asked and sent; the request, made again, answered; or it met another device's challenge. */
export type MfaOutcome<T> = { kind: 'asked' } | { kind: 'answered'; value: T } | { kind: 'other' };

export interface OnePromptParts<T> {
  /** The lock file for the device (one per serial). */
  lockFile: string;
  /** The request that met the challenge, made again. */
  retry: () => Promise<T>;
  /** Gets a code from the user's prompt driver. */
  ask: () => Promise<string>;
  /** Sends the code to the daemon (a refused one throws MfaFailed). */
  send: (code: string) => Promise<void>;
  onWait?: () => void;
  waitMs?: number;
}

/**
 * One prompt per MFA device at a time, across every client of this daemon and every driver: two
 * commands that need the same session at once (a script's parallel AWS calls, an IDE's) ask once.
 * Under the lock the request is FIRST made again: a client that took the lock just after another
 * released it would otherwise ask for a code the daemon already has (a YubiKey or a password
 * manager answers at once, so that window is wide). Only if the daemon still asks for this device
 * is the code asked and sent. The lock sits beside the daemon's socket, in a directory only this
 * user can write (trust-checked before every connect).
 */
export async function onePromptPerDevice<T>(serial: string, parts: OnePromptParts<T>): Promise<MfaOutcome<T>> {
  let lock: HeldLock | undefined;
  try {
    lock = await lockWithin(parts.lockFile, { waitMs: parts.waitMs ?? WAIT_FOR_OTHER_PROMPT_MS, pollMs: 100, onWait: parts.onWait });
  } catch {
    lock = undefined; // no lock to be had (or still held at the deadline): asking twice beats not asking
  }
  try {
    try {
      return { kind: 'answered', value: await parts.retry() };
    } catch (err) {
      if (!isMfaChallenge(err)) throw err;
      if (err.mfaSerial !== serial) return { kind: 'other' };
    }
    await parts.send(await parts.ask());
    return { kind: 'asked' };
  } finally {
    await lock?.release().catch(() => undefined);
  }
}

/** The daemon's own line when nothing can ask: it names the command to run in a terminal; this adds how not to need one. */
function noWayToAsk(challenge: KeyfobError & MfaChallenge, prompt: string): KeyfobError {
  const hint =
    prompt === 'auto'
      ? ' (the MFA prompt "auto" found no terminal and no dialog: zenity or kdialog need DISPLAY or WAYLAND_DISPLAY, osascript is macOS)'
      : `, or let keyfob ask in a dialog where there is no terminal: keyfob mfa-prompt set auto`;
  return Object.assign(new KeyfobError('MfaRequired', `${challenge.message}${hint}`, 428), { mfaSerial: challenge.mfaSerial, mfaProfile: challenge.mfaProfile });
}

/**
 * Answers the daemon's MfaRequired for a request about `forProfile`, one prompt per device
 * (onePromptPerDevice): the request may be answered by then (another client's code), or the code
 * is asked with the user's driver and sent once (a refused one throws MfaFailed: withMfa, the one
 * retry loop, tells it and asks the daemon again). Throws the challenge's own line (it names the
 * pre-warm command) when the setting gives no way to ask.
 */
export async function answerMfaChallenge<T>(
  challenge: KeyfobError & MfaChallenge,
  forProfile: string,
  retry: () => Promise<T>,
  durationSeconds?: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MfaOutcome<T>> {
  const serial = challenge.mfaSerial!;
  const profile = challenge.mfaProfile!;
  const { prompt } = mfaPromptSetting(env);
  const terminal = hasTerminal();
  const driver = pickDriver(prompt, env, terminal);
  if (driver === undefined || (driver === 'terminal' && !terminal)) throw noWayToAsk(challenge, prompt);
  const ask = async () => {
    if (driver !== 'terminal') return askWithDriver(driver, { profile, serial, env });
    const code = await askOnTerminal(visible(`keyfob: MFA code for ${profile} (${serial}): `));
    if (code === undefined) throw noWayToAsk(challenge, prompt);
    return code;
  };
  const query = durationSeconds === undefined ? '' : `?${DURATION_PARAM}=${durationSeconds}`;
  return onePromptPerDevice(serial, {
    lockFile: join(dirname(socketLocation(env).path), `mfa-${createHash('sha256').update(serial).digest('hex').slice(0, 16)}`),
    retry,
    ask,
    send: async (code) => void parseAnswer(await daemonRequest('POST', `${ROUTES.mfa}${query}`, { profile, code, for: forProfile }, { env })),
    onWait: () => process.stderr.write(visible(`keyfob: another keyfob is asking the code for ${serial}; waiting for it\n`)),
  });
}
