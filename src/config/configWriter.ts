// Locked, atomic, backed-up edits of the AWS config file.
//
// Why not write-file-atomic for the write itself: it issues one fs.write and does not check
// for a short write, so a nearly full disk can rename a truncated file into place. Here the
// whole buffer is written (FileHandle.writeFile loops and throws on ENOSPC/EFBIG), fsynced,
// then renamed over the real file, and the directory is fsynced. A crash at any moment leaves
// either the old file or the new one.
import { lstat, mkdir, readdir, readFile, readlink, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { ConfigError } from '../core/errors.js';
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

/** "sleep pid 42" where the system names the process, else "pid 42": any process can hold the lock. */
function describeHolder(holder: LockHolder): string {
  return visible(holder.name ? `${holder.name} pid ${holder.pid}` : `pid ${holder.pid}`);
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
  const release = await acquireLock(real, waitMs, Math.max(2_000, opts.lockStaleMs ?? 10_000));
  let compromised: Error | undefined;
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
      if (compromised) throw compromised;
      await writeFileAtomically(real, after, mode, owner);
    } catch (err) {
      throw new ConfigError(`could not write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the file was left unchanged; ${writeFix(err, path)}`);
    }
    return { changed, before, after, realPath: real };
  } finally {
    await release().catch(() => undefined);
  }

  /**
   * One attempt at a time against a deadline, so the wait is what it says: proper-lockfile's own
   * retries count attempts, and their back-off made a "20 s" wait last over 40 s.
   */
  async function acquireLock(file: string, waitMs: number, staleMs: number): Promise<() => Promise<void>> {
    const lockFile = `${file}.lock`;
    const started = Date.now();
    let told = false;
    for (;;) {
      try {
        const release = await lockfile.lock(file, {
          realpath: false, // the file may not exist yet
          stale: staleMs,
          update: Math.min(2_000, staleMs / 2),
          retries: 0,
          onCompromised: (err) => {
            compromised = err;
          },
        });
        // Who holds it, for anyone waiting; best effort (proper-lockfile's lock is an empty directory).
        // A fresh file (O_EXCL after the unlink): never written through a symlink planted there.
        await unlink(holderFile(file)).catch(() => undefined);
        await writeFile(holderFile(file), `${process.pid}\n`, { mode: 0o644, flag: 'wx' }).catch(() => undefined);
        return async () => {
          await unlink(holderFile(file)).catch(() => undefined);
          await release();
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
          throw new ConfigError(`could not write ${path}: cannot create its lock ${lockFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${writeFix(err, path)}`);
        }
        const waited = Date.now() - started;
        if (waited >= waitMs) {
          const holder = await lockHolder(file);
          throw new ConfigError(
            `${path} is still locked after ${Math.round(waitMs / 1000)}s by ${holder ? describeHolder(holder) : 'another keyfob'} (${lockFile}); ` +
              `try again, or remove ${lockFile} if no keyfob is running`,
          );
        }
        if (!told && waited >= LOCK_WAIT_NOTICE_MS) {
          told = true;
          const holder = await lockHolder(file);
          onLockWait({ lockFile, waitMs, ...(holder ? { holderPid: holder.pid } : {}), ...(holder?.name ? { holderName: holder.name } : {}) });
        }
        const pause = Math.min(50 + Math.random() * 50, Math.max(1, waitMs - waited));
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

/** Beside the lock, the pid of the keyfob holding it. */
function holderFile(file: string): string {
  return `${file}.lock.pid`;
}

interface LockHolder {
  pid: number;
  name?: string;
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
