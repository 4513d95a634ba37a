// The client's half of the MFA round trip: the daemon answered MfaRequired (428, with the device
// and the profile whose mfa_serial it is); ask the code on the controlling terminal (/dev/tty, never
// stdout: credential_process's stdout is JSON) and send it (POST /v1/mfa). Without a terminal the
// daemon's own one-line error stands: it names the command that pre-warms the session.
// Loaded from dist only when a code is needed, so the warm paths never read this file.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KeyfobError } from '../../core/errors.js';
import { lockWithin } from '../../core/lock.js';
import { visible } from '../../core/terminalText.js';
import { DURATION_PARAM, ROUTES } from '../protocol.js';
import { socketLocation } from '../../core/paths.js';
import { daemonRequest, parseAnswer } from './connection.js';

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

/** One line typed on the terminal, or undefined when there is no terminal. */
function askOnTerminal(prompt: string): string | undefined {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return undefined; // no controlling terminal (cron, CI, an IDE)
  }
  try {
    writeSync(fd, prompt);
    const chunk = Buffer.alloc(256);
    let line = '';
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      line += chunk.subarray(0, n).toString('utf8');
      if (line.includes('\n') || line.length > 1024) break;
    }
    return line.split('\n')[0]!.trim();
  } finally {
    closeSync(fd);
  }
}

/** How long a client waits while another terminal types the code for the same device. */
const WAIT_FOR_OTHER_PROMPT_MS = 5 * 60_000;

function hasTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/**
 * One prompt per MFA device at a time, across every client of this daemon: two commands that need
 * the same session at once (a script's parallel AWS calls) ask once. The lock sits beside the
 * daemon's socket, in a directory only this user can write (trust-checked before every connect).
 * Returns 'waited' when another client held it: its code may have started the session, so the
 * request is made again before anyone is asked.
 */
async function oneAtATime(serial: string, env: NodeJS.ProcessEnv, ask: () => Promise<void>): Promise<'asked' | 'waited'> {
  const file = join(dirname(socketLocation(env).path), `mfa-${createHash('sha256').update(serial).digest('hex').slice(0, 16)}`);
  let lock;
  try {
    lock = await lockWithin(file, {
      waitMs: WAIT_FOR_OTHER_PROMPT_MS,
      pollMs: 100,
      onWait: () => process.stderr.write(visible(`keyfob: another terminal is asking the code for ${serial}; waiting for it\n`)),
    });
  } catch {
    await ask(); // no lock to be had: asking twice beats not asking
    return 'asked';
  }
  try {
    if (lock.waited) return 'waited';
    await ask();
    return 'asked';
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/**
 * Answers the daemon's MfaRequired for a request about `forProfile`: asks the code on the
 * terminal and sends it once (a refused one throws MfaFailed: withMfa, the one retry loop, tells it
 * and asks the daemon again), unless another client is asking for the same device (then it waits,
 * and the caller asks the daemon again). Throws `challenge` itself (its message names the pre-warm
 * command) when there is no terminal.
 */
export async function answerMfaChallenge(challenge: KeyfobError & MfaChallenge, forProfile: string, durationSeconds?: number, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!hasTerminal()) throw challenge;
  await oneAtATime(challenge.mfaSerial!, env, () => askAndSend(challenge, forProfile, durationSeconds, env));
}

async function askAndSend(challenge: KeyfobError & MfaChallenge, forProfile: string, durationSeconds: number | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const query = durationSeconds === undefined ? '' : `?${DURATION_PARAM}=${durationSeconds}`;
  const code = askOnTerminal(visible(`keyfob: MFA code for ${challenge.mfaProfile} (${challenge.mfaSerial}): `));
  if (code === undefined) throw challenge;
  parseAnswer(await daemonRequest('POST', `${ROUTES.mfa}${query}`, { profile: challenge.mfaProfile, code, for: forProfile }, { env }));
}
