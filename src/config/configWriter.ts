// Locked, atomic, backed-up edits of the AWS config file.
//
// Why not write-file-atomic for the write itself: it issues one fs.write and does not check
// for a short write, so a nearly full disk can rename a truncated file into place. Here the
// whole buffer is written (FileHandle.writeFile loops and throws on ENOSPC/EFBIG), fsynced,
// then renamed over the real file, and the directory is fsynced. A crash at any moment leaves
// either the old file or the new one.
import { lstat, mkdir, readdir, readFile, readlink, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { describeHolder, lockFileOf, lockWithin, LockTimeout, type HeldLock } from '../core/lock.js';
import { visible } from '../core/terminalText.js';
import { tempPrefix, writeFileAtomically } from '../core/atomicFile.js';
import { parseConfig, type ConfigDocument } from './iniDocument.js';

export interface EditResult {
  changed: boolean;
  before: string;
  after: string;
  /** The file actually written: the symlink target when `path` is a link. */
  realPath: string;
}

export interface EditOptions {
  /** Compute the result but write nothing (for --dry-run diffs). Takes no lock and needs no write access. */
  dryRun?: boolean;
  /**
   * Run the edit once without the lock first, and take the lock (and run it again on a fresh
   * read) only when it changes the text: an edit that changes nothing needs no write access.
   * Only for edits that may run twice.
   */
  lockOnlyToWrite?: boolean;
  /** How long to wait for another keyfob holding the lock, in ms (default 20 s). */
  lockWaitMs?: number;
  /** A lock not refreshed for this long belongs to a dead process, in ms (default 10 s, min 2 s). */
  lockStaleMs?: number;
  /** Told once, after about a second of waiting for the lock, what it waits for (default: a line on stderr). */
  onLockWait?: (wait: LockWait) => void;
}

export interface LockWait {
  /** The lock (a directory, proper-lockfile's). */
  lockFile: string;
  /** The process holding it, when it said so and is alive. */
  holderPid?: number;
  /** That process's name (/proc/PID/comm), where the system tells it. */
  holderName?: string;
  /** How long it waits in all, in ms. */
  waitMs: number;
}

/** What the edit is told: whether it runs under the lock (the run whose result is written). */
export interface EditContext {
  locked: boolean;
}

/** The line that says a wait for the lock is going on: for which lock, held by whom, for how long. */
export function lockWaitLine(path: string, w: LockWait): string {
  const holder = w.holderPid ? `, held by ${describeHolder({ pid: w.holderPid, name: w.holderName })}` : '';
  return `waiting for the lock on ${path} (${w.lockFile}${holder}); giving up after ${Math.round(w.waitMs / 1000)}s`;
}

/** After this long a wait for the lock is announced. */
const LOCK_WAIT_NOTICE_MS = 1_000;

export const BACKUP_SUFFIX = '.keyfob-backup';

/**
 * Read the config under a lock, let `edit` change the document, and write it back only if its
 * text changed. `path` is the configured path (see paths.configFile()); symlinks are followed
 * so the link survives and its target is updated.
 */
export async function editConfigFile(
  path: string,
  edit: (doc: ConfigDocument, ctx: EditContext) => void | Promise<void>,
  opts: EditOptions = {},
): Promise<EditResult> {
  if (opts.dryRun || opts.lockOnlyToWrite) {
    // Read-only: a dry run, or a first look that may find nothing to change. No lock, no mkdir.
    const real = await resolveRealFile(path, { create: false });
    const before = await readIfExists(real);
    const doc = parseConfig(before);
    await edit(doc, { locked: false });
    const after = doc.toString();
    const changed = after !== before;
    if (opts.dryRun || !changed) return { changed, before, after, realPath: real };
  }
  let real: string;
  try {
    real = await resolveRealFile(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`could not write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${writeFix(err, path)}`);
  }
  const waitMs = opts.lockWaitMs ?? 20_000;
  const onLockWait = opts.onLockWait ?? ((w: LockWait) => process.stderr.write(`keyfob: ${visible(lockWaitLine(path, w))}\n`));
  const lock = await acquireLock(real, waitMs, Math.max(2_000, opts.lockStaleMs ?? 10_000));
  try {
    await removeStaleTempFiles(real);
    const existing = await stat(real).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    const before = existing ? await readFile(real, 'utf8') : '';
    const doc = parseConfig(before);
    await edit(doc, { locked: true });
    const after = doc.toString();
    const changed = after !== before;
    if (!changed || opts.dryRun) return { changed, before, after, realPath: real };

    const mode = existing ? existing.mode & 0o7777 : 0o600;
    const owner = existing ? { uid: existing.uid, gid: existing.gid } : undefined;
    try {
      if (existing) await writeFileAtomically(real + BACKUP_SUFFIX, before, mode, owner);
      if (lock.compromised) throw lock.compromised;
      await writeFileAtomically(real, after, mode, owner);
    } catch (err) {
      throw new ConfigError(`could not write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the file was left unchanged; ${writeFix(err, path)}`);
    }
    return { changed, before, after, realPath: real };
  } finally {
    await lock.release().catch(() => undefined);
  }

  async function acquireLock(file: string, waitMs: number, staleMs: number): Promise<HeldLock> {
    try {
      return await lockWithin(file, {
        waitMs,
        staleMs,
        noticeAfterMs: LOCK_WAIT_NOTICE_MS,
        onWait: (holder) => onLockWait({ lockFile: lockFileOf(file), waitMs, ...(holder ? { holderPid: holder.pid } : {}), ...(holder?.name ? { holderName: holder.name } : {}) }),
      });
    } catch (err) {
      if (err instanceof LockTimeout) {
        throw new ConfigError(
          `${path} is still locked after ${Math.round(waitMs / 1000)}s by ${err.holder ? describeHolder(err.holder) : 'another keyfob'} (${err.lockFile}); ` +
            `try again, or remove ${err.lockFile} if no keyfob is running`,
        );
      }
      throw new ConfigError(`could not write ${path}: cannot create its lock ${lockFileOf(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${writeFix(err, path)}`);
    }
  }
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** What to do about a failed write, by its cause. */
function writeFix(err: unknown, path: string): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOSPC':
    case 'EFBIG':
    case 'EDQUOT':
      return 'free some disk space (or raise the file-size limit) and run it again';
    case 'EROFS':
      return `${dirname(resolve(path))} is on a read-only file system: make it writable, or point AWS_CONFIG_FILE at a writable file, and run it again`;
    case 'EACCES':
    case 'EPERM':
      return `make ${path} and its directory writable by you (or point AWS_CONFIG_FILE at a writable file), and run it again`;
    default:
      return 'run it again';
  }
}

/** Follow symlinks (also dangling ones) to the file to write; create a missing dir 0700 (unless `create` is false). */
export async function resolveRealFile(path: string, opts: { create?: boolean } = {}): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const info = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (info?.isSymbolicLink()) {
      current = resolve(dirname(current), await readlink(current));
      continue;
    }
    if (info) return realpath(current);
    // Not there yet: make its directory, then name it through the directory's real path.
    if (opts.create === false) {
      const dir = await realpath(dirname(current)).catch(() => undefined);
      return dir ? join(dir, basename(current)) : current;
    }
    await mkdir(dirname(current), { recursive: true, mode: 0o700 });
    return join(await realpath(dirname(current)), basename(current));
  }
  throw new ConfigError(`too many symbolic links resolving ${path}`);
}

/** Temp files left by a killed writer. Only lock holders write them, and we hold the lock. */
async function removeStaleTempFiles(file: string): Promise<void> {
  const prefixes = [tempPrefix(file), tempPrefix(file + BACKUP_SUFFIX)];
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  const stale = names.filter((n) => prefixes.some((p) => n.startsWith(p)));
  await Promise.all(stale.map((n) => unlink(join(dirname(file), n)).catch(() => undefined)));
}
