// The user's saved settings: one JSON object in KEYFOB_HOME/settings.json, e.g.
//   {"forward_profiles": ["Development/*"], "mfa_prompt": "zenity"}
// One reader (the daemon at start, the clients when they need a setting) and one writer (the
// `keyfob … set` commands), for every key. The file is read only when it is a regular file of the
// user's that nobody else can write, never through a symlink; a file that cannot be used is a
// problem the caller reports (each key says what it does then: forward_profiles fails closed).
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from './atomicFile.js';
import { KeyfobError } from './errors.js';
import { lockWithin } from './lock.js';
import { keyfobHome } from './paths.js';
import { ensurePrivateDir, HOME_ELSEWHERE } from './trustedPath.js';

export const SETTINGS_FILE = 'settings.json';

export interface Settings {
  /** The settings file, for one-line messages. */
  file: string;
  /** Its keys; empty when the file is absent or cannot be used. */
  values: Record<string, unknown>;
  /** Set when the file is there but cannot be used, and says why. */
  problem?: string;
}

export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(keyfobHome(env), SETTINGS_FILE);
}

/** The saved settings as they are now. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const file = settingsFile(env);
  const unusable = (problem: string): Settings => ({ file, values: {}, problem });
  let text: string;
  try {
    // Never through a symlink, and only a file of this user's that nobody else can write.
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      const uid = process.getuid?.();
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || st.mode & 0o022) return unusable(`${file} must be a regular file of yours that only you can write`);
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, values: {} };
    return unusable(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return unusable(`${file} is not JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return unusable(`${file} must hold one JSON object`);
  return { file, values: parsed as Record<string, unknown> };
}

/**
 * Saves one key (undefined removes it), keeping the others: read, change and an atomic write
 * (mode 0600) under a lock, so two `set` commands at once lose neither. Returns the file.
 */
export async function saveSetting(key: string, value: unknown, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  ensurePrivateDir(keyfobHome(env), 'KEYFOB_HOME', HOME_ELSEWHERE);
  const file = settingsFile(env);
  const lock = await lockWithin(file, { waitMs: 10_000 });
  try {
    const current = readSettings(env);
    if (current.problem) throw new KeyfobError('BadSetting', `${current.problem}; fix or remove it, then set it again`);
    const values = { ...current.values };
    if (value === undefined) delete values[key];
    else values[key] = value;
    await writeFileAtomically(file, `${JSON.stringify(values, null, 2)}\n`, 0o600);
    return file;
  } finally {
    await lock.release().catch(() => undefined);
  }
}
