// Making the daemon's place safe and its own: a private socket dir, one daemon per
// KEYFOB_HOME (a pid lock), and stale sockets from a killed daemon cleaned up.
import { closeSync, constants, lstatSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { KeyfobError } from '../../core/errors.js';
import { isZombie } from '../../core/processState.js';
import { quotePosix } from '../../core/shellWords.js';

export class AlreadyRunningError extends KeyfobError {
  constructor(detail: string) {
    super('AlreadyRunning', `a keyfob daemon is already running (${detail}); stop it with: keyfob daemon stop`, 409);
  }
}

/**
 * The daemon of this KEYFOB_HOME runs, but listens on another socket than this one would: two
 * clients computed two places (an XDG_RUNTIME_DIR set in a terminal's dotfiles and not in an app
 * started from the Dock, a KEYFOB_SOCKET set in one of them). Names both, and the way to agree.
 */
export class AlreadyRunningElsewhereError extends KeyfobError {
  constructor(pid: number, theirs: string, mine: string) {
    super(
      'AlreadyRunning',
      `a keyfob daemon is already running, at ${theirs} (pid ${pid}), not at ${mine} where this client looks; ` +
        `set KEYFOB_SOCKET=${quotePosix(theirs)} here, or stop that daemon with: KEYFOB_SOCKET=${quotePosix(theirs)} keyfob daemon stop`,
      409,
    );
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

/**
 * Take KEYFOB_HOME/daemon.pid, replacing it when its owner is dead. Returns the release function.
 * The file holds the pid and, on its second line, the socket the daemon listens on, so that a
 * daemon started for another socket says where the running one is.
 */
export function acquirePidLock(pidFile: string, socketPath?: string): () => void {
  const mine = `${process.pid}${socketPath ? `\n${socketPath}` : ''}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(pidFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, mine);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(pidFile, 'utf8') === mine) rmSync(pidFile);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [first = '', theirs = ''] = readFileSync(pidFile, 'utf8').split('\n');
      const owner = Number(first.trim());
      if (owner && owner !== process.pid && alive(owner)) {
        if (socketPath && theirs && theirs !== socketPath) throw new AlreadyRunningElsewhereError(owner, theirs, socketPath);
        throw new AlreadyRunningError(`pid ${owner}`);
      }
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
