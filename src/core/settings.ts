// KEYFOB_HOME/settings.json: the user's saved settings, one JSON object.
//   {"forward_profiles": ["Development/*"], "console_browser": "chromium", "mfa_prompt": "zenity"}
// The one reader and the one writer for every key: the daemon reads forward_profiles at start, the
// clients read and the `keyfob … set` commands write the console browser and the MFA prompt. Never
// read through a symlink, and only a file of the user's own that nobody else can write; a file that
// cannot be used is a problem the caller reports (forward_profiles then fails closed).
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from './atomicFile.js';
import { KeyfobError } from './errors.js';
import { type HeldLock, LockTimeout, lockWithin } from './lock.js';
import { keyfobHome } from './paths.js';
import { ensurePrivateDir, HOME_ELSEWHERE } from './trustedPath.js';

export const SETTINGS_FILE = 'settings.json';
const LOCK_WAIT_MS = 5_000;

export interface Settings {
  file: string;
  /** The object in the file; empty when there is no file. */
  values: Record<string, unknown>;
  /** Set when the file is there but cannot be used; then values is empty. */
  problem?: string;
}

export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(keyfobHome(env), SETTINGS_FILE);
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const file = settingsFile(env);
  const unusable = (problem: string): Settings => ({ file, values: {}, problem });
  let text: string;
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.uid !== process.getuid?.() || st.mode & 0o022) return unusable(`${file} must be a regular file of yours that only you can write`);
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, values: {} };
    return unusable(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    return unusable(`${file} is not JSON`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return unusable(`${file} must hold a JSON object`);
  return { file, values: values as Record<string, unknown> };
}

/** Sets one key (undefined removes it), keeping the others; atomic, mode 0600, in a private KEYFOB_HOME. */
export async function saveSetting(key: string, value: unknown, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  ensurePrivateDir(keyfobHome(env), 'KEYFOB_HOME', HOME_ELSEWHERE);
  const file = settingsFile(env);
  // Two writers at once must not lose each other's key: read, change and write under the one lock.
  let lock: HeldLock;
  try {
    lock = await lockWithin(file, { waitMs: LOCK_WAIT_MS });
  } catch (err) {
    const why = err instanceof LockTimeout ? `still locked after ${LOCK_WAIT_MS / 1000}s (${err.lockFile})` : `cannot lock it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    throw new KeyfobError('BadSetting', `${file} is ${why}; try again`);
  }
  try {
    const current = readSettings(env);
    // Never overwrite a file we could not read: it may hold settings the user wants to keep.
    if (current.problem) throw new KeyfobError('BadSetting', `${current.problem}; fix or remove it, then try again`);
    const values = { ...current.values };
    if (value === undefined) delete values[key];
    else values[key] = value;
    await writeFileAtomically(file, `${JSON.stringify(values, null, 2)}\n`, 0o600);
    return file;
  } finally {
    await lock.release().catch(() => undefined);
  }
}
