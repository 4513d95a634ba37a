// Making the daemon's place safe and its own: a private socket dir, one daemon per
// KEYFOB_HOME (a pid lock), and stale sockets from a killed daemon cleaned up.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { KeyfobError } from '../../errors.js';
import { privateDirProblem, UntrustedPathError } from '../../trustedPath.js';

export class AlreadyRunningError extends KeyfobError {
  constructor(detail: string) {
    super('AlreadyRunning', `a keyfob daemon is already running (${detail}); stop it with: keyfob daemon stop`, 409);
  }
}

/**
 * Create a directory of the daemon's (0700 where keyfob makes it), and refuse one that another
 * user owns or could write to, or could swap for their own (see trustedPath.ts).
 */
export function preparePrivateDir(dir: string, what: string, elsewhere: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = privateDirProblem(dir, elsewhere);
  if (problem) throw new UntrustedPathError(what, dir, problem);
}

export const SOCKET_ELSEWHERE = 'set KEYFOB_SOCKET to a path in a directory only you can write';
export const HOME_ELSEWHERE = 'set KEYFOB_HOME to a directory only you can write';

/** A zombie (killed, not yet reaped by its parent) still answers kill(0) but owns nothing. */
function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take KEYFOB_HOME/daemon.pid, replacing it when its owner is dead. Returns the release function. */
export function acquirePidLock(pidFile: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(pidFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(pidFile, 'utf8') === String(process.pid)) rmSync(pidFile);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(pidFile, 'utf8').trim());
      if (owner && owner !== process.pid && alive(owner)) throw new AlreadyRunningError(`pid ${owner}`);
      rmSync(pidFile, { force: true }); // stale: its daemon was killed
    }
  }
  throw new AlreadyRunningError(`could not take ${pidFile}`);
}

/** True when something answers on the socket. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Remove a socket file nobody listens on any more; refuse to steal a live one. */
export async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new KeyfobError('SocketPathTaken', `${path} exists and is not a socket; remove it or set KEYFOB_SOCKET`, 500);
  if (await socketAnswers(path)) throw new AlreadyRunningError(`socket ${path} answers`);
  rmSync(path, { force: true });
}
