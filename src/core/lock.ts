// The one lock between processes: proper-lockfile's directory lock, taken one attempt at a time
// against a deadline, so a wait lasts what it says (proper-lockfile's own retries count attempts,
// and their back-off made a "20 s" wait last over 40 s). The holder writes its pid beside the lock,
// so a waiting message can name it.
import { readFile, unlink, writeFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { visible } from './terminalText.js';

export interface LockHolder {
  pid: number;
  /** Its name (/proc/PID/comm), where the system tells it. */
  name?: string;
}

export interface LockOptions {
  /** How long to wait for another holder, in ms. */
  waitMs: number;
  /** A lock not refreshed for this long belongs to a dead process, in ms (default 10 s). */
  staleMs?: number;
  /** The pause between attempts, in ms; each pause adds up to as much again at random (default 50). */
  pollMs?: number;
  /** After this long a wait is announced to onWait, once (default 0: at the first refusal). */
  noticeAfterMs?: number;
  onWait?: (holder: LockHolder | undefined) => void;
}

export interface HeldLock {
  /** Whether another process held it first. */
  waited: boolean;
  /** Set when the lock was lost while held (not refreshed in time, or removed): check it before a write. */
  compromised?: Error;
  release(): Promise<void>;
}

/** The lock was still held by another process at the deadline. */
export class LockTimeout extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(`${lockFile} is still held by ${holder ? describeHolder(holder) : 'another process'}`);
  }
}

/** The lock proper-lockfile makes for `file` (a directory). */
export function lockFileOf(file: string): string {
  return `${file}.lock`;
}

/** Beside the lock, the pid of the process holding it. */
function holderFile(file: string): string {
  return `${file}.lock.pid`;
}

/** "sleep pid 42" where the system names the process, else "pid 42"; terminal-safe. */
export function describeHolder(holder: LockHolder): string {
  return visible(holder.name ? `${holder.name} pid ${holder.pid}` : `pid ${holder.pid}`);
}

/**
 * Takes the lock on `file` (which need not exist), waiting at most `waitMs` for another holder.
 * Throws LockTimeout at the deadline, and the file system's error when no lock can be made.
 */
export async function lockWithin(file: string, opts: LockOptions): Promise<HeldLock> {
  const staleMs = opts.staleMs ?? 10_000;
  const pollMs = opts.pollMs ?? 50;
  const started = Date.now();
  let waited = false;
  let told = false;
  for (;;) {
    let release: () => Promise<void>;
    const held: HeldLock = { waited, release: async () => undefined };
    try {
      release = await lockfile.lock(file, {
        realpath: false, // the file may not exist yet
        stale: staleMs,
        update: Math.min(2_000, staleMs / 2),
        retries: 0,
        onCompromised: (err) => {
          held.compromised = err;
        },
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      waited = true;
      const elapsed = Date.now() - started;
      if (elapsed >= opts.waitMs) throw new LockTimeout(lockFileOf(file), await lockHolder(file));
      if (!told && elapsed >= (opts.noticeAfterMs ?? 0)) {
        told = true;
        opts.onWait?.(await lockHolder(file));
      }
      const pause = Math.min(pollMs + Math.random() * pollMs, Math.max(1, opts.waitMs - elapsed));
      await new Promise((resolve) => setTimeout(resolve, pause));
      continue;
    }
    // Best effort. A fresh file (O_EXCL after the unlink): never written through a symlink planted there.
    await unlink(holderFile(file)).catch(() => undefined);
    await writeFile(holderFile(file), `${process.pid}\n`, { mode: 0o644, flag: 'wx' }).catch(() => undefined);
    held.release = async () => {
      await unlink(holderFile(file)).catch(() => undefined);
      await release();
    };
    return held;
  }
}

/** The process in the holder file when it is alive, with its name where /proc tells it; undefined when unknown. */
async function lockHolder(file: string): Promise<LockHolder | undefined> {
  const pid = Number((await readFile(holderFile(file), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
  return name ? { pid, name } : { pid };
}
