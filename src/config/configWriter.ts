// Locked, atomic, backed-up edits of the AWS config file.
//
// Why not write-file-atomic for the write itself: it issues one fs.write and does not check
// for a short write, so a nearly full disk can rename a truncated file into place. Here the
// whole buffer is written (FileHandle.writeFile loops and throws on ENOSPC/EFBIG), fsynced,
// then renamed over the real file, and the directory is fsynced. A crash at any moment leaves
// either the old file or the new one.
import { lstat, mkdir, readdir, readFile, readlink, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { ConfigError } from '../errors.js';
import { tempPrefix, writeFileAtomically } from '../shared/atomicFile.js';
import { parseConfig, type ConfigDocument } from './iniDocument.js';

export interface EditResult {
  changed: boolean;
  before: string;
  after: string;
  /** The file actually written: the symlink target when `path` is a link. */
  realPath: string;
}

export interface EditOptions {
  /** Compute the result but write nothing (for --dry-run diffs). */
  dryRun?: boolean;
  /** How long to wait for another keyfob holding the lock, in ms (default 20 s). */
  lockWaitMs?: number;
  /** A lock not refreshed for this long belongs to a dead process, in ms (default 10 s, min 2 s). */
  lockStaleMs?: number;
}

export const BACKUP_SUFFIX = '.keyfob-backup';

/**
 * Read the config under a lock, let `edit` change the document, and write it back only if its
 * text changed. `path` is the configured path (see paths.configFile()); symlinks are followed
 * so the link survives and its target is updated.
 */
export async function editConfigFile(
  path: string,
  edit: (doc: ConfigDocument) => void | Promise<void>,
  opts: EditOptions = {},
): Promise<EditResult> {
  const real = await resolveRealFile(path);
  const release = await acquireLock(real, opts.lockWaitMs ?? 20_000, Math.max(2_000, opts.lockStaleMs ?? 10_000));
  let compromised: Error | undefined;
  try {
    await removeStaleTempFiles(real);
    const existing = await stat(real).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    const before = existing ? await readFile(real, 'utf8') : '';
    const doc = parseConfig(before);
    await edit(doc);
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
      throw new ConfigError(`could not write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the file was left unchanged; ${writeFix(err)}`);
    }
    return { changed, before, after, realPath: real };
  } finally {
    await release().catch(() => undefined);
  }

  async function acquireLock(file: string, waitMs: number, staleMs: number): Promise<() => Promise<void>> {
    try {
      return await lockfile.lock(file, {
        realpath: false, // the file may not exist yet
        stale: staleMs,
        update: Math.min(2_000, staleMs / 2),
        retries: { retries: Math.max(1, Math.ceil(waitMs / 50)), minTimeout: 10, maxTimeout: 100, factor: 1.3, randomize: true },
        onCompromised: (err) => {
          compromised = err;
        },
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new ConfigError(`${path} is locked by another keyfob (${file}.lock); try again, or remove the lock if no keyfob is running`);
      }
      throw new ConfigError(`cannot lock ${path}: ${(err as Error).message}`);
    }
  }
}

/** What to do about a failed write, by its cause. */
function writeFix(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOSPC':
    case 'EFBIG':
    case 'EDQUOT':
      return 'free some disk space (or raise the file-size limit) and run it again';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'make the file and its directory writable by you, and run it again';
    default:
      return 'run it again';
  }
}

/** Follow symlinks (also dangling ones) to the file to write; create a missing dir 0700. */
export async function resolveRealFile(path: string): Promise<string> {
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
