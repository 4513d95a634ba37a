// Who could have made this path? OpenSSH's StrictModes rule, as ssh-agent and gpg-agent apply it
// to their sockets: the thing itself and its directory are yours and not symlinks, and every
// directory above is owned by root or you and writable by nobody else (a sticky one of root's,
// like /tmp, excepted). Then no other local user can have put it there or can swap it later.
// Lean on purpose: the credential-process client runs it before every connect (a few lstat calls).
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KeyfobError } from './errors.js';
import { quotePosix } from './shellWords.js';

/** The way out each refusal names, besides fixing the path itself. */
export const SOCKET_ELSEWHERE = 'set KEYFOB_SOCKET to a path in a directory only you can write';
export const HOME_ELSEWHERE = 'set KEYFOB_HOME to a directory only you can write';

/** What is wrong with a path, and the fix to print. */
export interface PathProblem {
  path: string;
  why: string;
  fix: string;
}

export class UntrustedPathError extends KeyfobError {
  constructor(what: string, target: string, problem: PathProblem) {
    const where = problem.path === target ? 'it' : problem.path;
    super('UntrustedPath', `refusing ${what} ${target}: ${where} ${problem.why}; ${problem.fix}`, 500);
  }
}

/** lstat, or undefined when nothing is there. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const mode = (st: Stats) => (st.mode & 0o7777).toString(8).padStart(3, '0');
const STICKY = 0o1000;

function owner(st: Stats, uid: number): string | undefined {
  return st.uid === 0 || st.uid === uid ? undefined : `is owned by uid ${st.uid}, not by you (uid ${uid}) or root`;
}

/** The directories above `dir` (not `dir` itself), and again along their real path if one is a symlink. */
function ancestorsProblem(dir: string, uid: number, elsewhere: string): PathProblem | undefined {
  let sawLink = false;
  for (let path = dirname(dir); ; path = dirname(path)) {
    const st = lstatOrUndefined(path);
    if (!st) {
      if (dirname(path) === path) break;
      continue; // not made yet: whoever may create it is judged one level up
    }
    const notOurs = owner(st, uid);
    if (notOurs) return { path, why: notOurs, fix: elsewhere };
    if (st.isSymbolicLink()) sawLink = true;
    else if (!st.isDirectory()) return { path, why: 'is not a directory', fix: elsewhere };
    else if (st.mode & 0o022 && !(st.mode & STICKY && st.uid === 0)) {
      return { path, why: `can be written by other users (mode ${mode(st)})`, fix: `run: chmod go-w ${quotePosix(path)} (or ${elsewhere})` };
    }
    if (dirname(path) === path) break;
  }
  if (!sawLink) return undefined;
  // A symlink above: who may change it was checked; now the directories it leads through.
  let real: string;
  try {
    real = realpathSync.native(dirname(dir));
  } catch {
    return undefined; // a dangling link: there is nothing there to trust or to connect to
  }
  return real === dirname(dir) ? undefined : ancestorsProblem(join(real, basename(dir)), uid, elsewhere);
}

/** A directory only you control: yours, no symlink, writable by nobody else, and so is the way to it. */
export function privateDirProblem(dir: string, elsewhere: string): PathProblem | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined; // Windows: no owners to compare; the OS keeps per-user pipes apart
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) return { path: dir, why: 'is a symlink', fix: `remove it, or ${elsewhere}` };
  if (!st.isDirectory()) return { path: dir, why: 'is not a directory', fix: `remove it, or ${elsewhere}` };
  if (st.uid !== uid) return { path: dir, why: `is owned by uid ${st.uid}, not by you (uid ${uid})`, fix: `remove it (as its owner or root), or ${elsewhere}` };
  if (st.mode & 0o022) return { path: dir, why: `can be written by other users (mode ${mode(st)})`, fix: `run: chmod 700 ${quotePosix(dir)}` };
  return ancestorsProblem(dir, uid, elsewhere);
}

/**
 * The daemon's socket as a client finds it. Undefined when it is safe to connect, or when there
 * is no socket yet (ENOENT: the daemon that gets started checks its own place).
 */
export function socketProblem(socketPath: string, elsewhere: string): PathProblem | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const st = lstatOrUndefined(socketPath);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return { path: socketPath, why: 'is a symlink', fix: `remove it, or ${elsewhere}` };
  if (!st.isSocket()) return { path: socketPath, why: 'is not a socket', fix: `remove it, or ${elsewhere}` };
  if (st.uid !== uid) return { path: socketPath, why: `is owned by uid ${st.uid}, not by you (uid ${uid})`, fix: `remove it (as its owner or root), or ${elsewhere}` };
  return privateDirProblem(dirname(socketPath), elsewhere);
}

/**
 * A file only you (or root) can have written, such as the config a request names: owned by you
 * or root, writable by nobody else, and so is the way to it. A missing file is fine (an empty config).
 */
export function ownFileProblem(file: string, elsewhere: string): PathProblem | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const st = lstatOrUndefined(file);
  if (!st) return ancestorsProblem(file, uid, elsewhere);
  const notOurs = owner(st, uid);
  if (notOurs) return { path: file, why: notOurs, fix: elsewhere };
  if (st.isSymbolicLink()) {
    // A config kept in a dotfiles repo is often a symlink: judge where it leads, too.
    const problem = ancestorsProblem(file, uid, elsewhere);
    if (problem) return problem;
    let real: string;
    try {
      real = realpathSync.native(file);
    } catch {
      return undefined; // a dangling link: nothing there to read (a missing file is an empty one)
    }
    return ownFileProblem(real, elsewhere);
  }
  if (st.mode & 0o022) return { path: file, why: `can be written by other users (mode ${mode(st)})`, fix: `run: chmod go-w ${quotePosix(file)}` };
  return ancestorsProblem(file, uid, elsewhere);
}

/**
 * Create a directory of keyfob's (0700 where keyfob makes it), and refuse one that another user
 * owns, could write to, or could swap for their own.
 */
export function ensurePrivateDir(dir: string, what: string, elsewhere: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = privateDirProblem(dir, elsewhere);
  if (problem) throw new UntrustedPathError(what, dir, problem);
}

/** Trees of files the kernel makes up (and owns as it likes): never a config, whoever owns them. */
const KERNEL_TREES = ['/proc', '/sys', '/dev'];

function inKernelTree(path: string): boolean {
  return KERNEL_TREES.some((tree) => path === tree || path.startsWith(`${tree}/`));
}

/** What a file read by readOwnFile held, and its identity (inode, size, mtime) as the descriptor saw it. */
export interface OwnFile {
  text: string;
  signature: string;
}

/**
 * A file a request names (a config or credentials file), read the one safe way: its ancestors
 * checked as ownFileProblem checks them (a symlink, as dotfile managers make, is followed and
 * judged), then the real path opened ONCE with O_NOFOLLOW and O_NONBLOCK (a FIFO must not hang
 * the daemon), and the descriptor itself checked (fstat): a regular file, owned by you or root,
 * writable by nobody else. It is read from that descriptor, never again by path, so nothing can be
 * swapped in between. A file that is not there is read as empty. /proc, /sys and /dev are refused.
 */
export function readOwnFile(file: string, what: string, elsewhere: string): OwnFile {
  const kernel = (path: string) =>
    new KeyfobError('UntrustedPath', `refusing ${what} ${file}: ${path} is under ${KERNEL_TREES.join(', ')}, which hold the kernel's files, not an AWS config; name your own file`, 500);
  if (inKernelTree(file)) throw kernel(file);
  const problem = ownFileProblem(file, elsewhere);
  if (problem) throw new UntrustedPathError(what, file, problem);
  let real: string;
  try {
    real = realpathSync.native(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', signature: 'missing' };
    throw err;
  }
  if (inKernelTree(real)) throw kernel(real);
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { text: '', signature: 'missing' };
    if (code === 'ELOOP') throw new UntrustedPathError(what, file, { path: real, why: 'became a symlink while it was opened', fix: elsewhere });
    throw err;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    const refuse = (why: string, fix: string) => new UntrustedPathError(what, file, { path: real, why, fix });
    if (!st.isFile()) throw refuse('is not a regular file', elsewhere);
    if (uid !== undefined) {
      const notOurs = owner(st, uid);
      if (notOurs) throw refuse(notOurs, elsewhere);
      if (st.mode & 0o022) throw refuse(`can be written by other users (mode ${mode(st)})`, `run: chmod go-w ${quotePosix(real)}`);
    }
    return { text: readFileSync(fd, 'utf8'), signature: `${st.ino}:${st.size}:${st.mtimeMs}` };
  } finally {
    closeSync(fd);
  }
}
