// Making the daemon's place safe and its own: a private socket dir, one daemon per
// KEYFOB_HOME (a pid lock), and stale sockets from a killed daemon cleaned up.
import { closeSync, constants, lstatSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { KeyfobError } from '../../core/errors.js';
import { isZombie } from '../../core/processState.js';

export class AlreadyRunningError extends KeyfobError {
  constructor(detail: string) {
    super('AlreadyRunning', `a keyfob daemon is already running (${detail}); stop it with: keyfob daemon stop`, 409);
  }
}

/** A zombie (killed, not yet reaped by its parent) still answers kill(0) but owns nothing. */
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
