// Where keyfob keeps things. Lean on purpose: the credential-process hot path imports it.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyfobError } from './errors.js';

/** Unix socket paths are limited to 104 bytes on macOS and 108 on Linux (including the NUL). */
export const socketPathLimit = (platform: NodeJS.Platform = process.platform) => (platform === 'darwin' ? 103 : 107);
export const SOCKET_PATH_LIMIT = socketPathLimit();

/** The home directory `env` names, as the shims' `$HOME` is (Node's homedir() reads only process.env). */
function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

/**
 * A path from the environment as botocore and the JS SDK read it: a leading `~` is the home
 * directory (a `.env` file or a Docker ENV passes `~/.aws/config` unexpanded), and a relative
 * path is relative to the current directory, made absolute here because the daemon's differs.
 */
export function expandPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = homeOf(env);
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return resolve(path);
}

/** The AWS config file: AWS_CONFIG_FILE (expanded), else ~/.aws/config. Always absolute. */
export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE ? expandPath(env.AWS_CONFIG_FILE, env) : join(homeOf(env), '.aws', 'config');
}

/** The shared credentials file: AWS_SHARED_CREDENTIALS_FILE (expanded), else ~/.aws/credentials. Always absolute. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_SHARED_CREDENTIALS_FILE ? expandPath(env.AWS_SHARED_CREDENTIALS_FILE, env) : join(homeOf(env), '.aws', 'credentials');
}

export function keyfobHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KEYFOB_HOME) return expandPath(env.KEYFOB_HOME, env);
  if (platform === 'darwin') return join(homeOf(env), 'Library', 'Application Support', 'keyfob');
  return join(env.XDG_STATE_HOME || join(homeOf(env), '.local', 'state'), 'keyfob');
}

export function logFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(keyfobHome(env), 'daemon.log');
}

function uid(): string {
  return typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
}

/**
 * A short stable name for a long path: POSIX `cksum`'s CRC (decimal), so that the shims compute the
 * same name with the `cksum` every system has (shell/locate.sh, assume.fish). Not security: the
 * directory it names is checked like any other; it only keeps two long homes from sharing a daemon.
 */
export function posixCksum(text: string): string {
  const bytes = Buffer.from(text);
  let crc = 0;
  const add = (byte: number) => {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  };
  for (const byte of bytes) add(byte);
  for (let length = bytes.length; length > 0; length = Math.floor(length / 256)) add(length & 0xff);
  return String(~crc >>> 0);
}

export interface SocketLocation {
  path: string;
  /** Set when the natural path was too long and a short private one is used instead. */
  fallbackFrom?: string;
}

/**
 * The restricted socket beside the full one, in the same private directory (gpg-agent's
 * extra-socket): the one to forward with `ssh -R`. `daemon.sock` → `daemon.restricted.sock`.
 */
export function restrictedSocketPath(socketPath: string): string {
  return socketPath.endsWith('.sock') ? `${socketPath.slice(0, -'.sock'.length)}.restricted.sock` : `${socketPath}.restricted`;
}

/** The restricted socket the daemon listens on; an explicit KEYFOB_SOCKET too long for it is one error (clients never need it). */
export function restrictedSocketLocation(socketPath: string): string {
  if (!fits(socketPath)) throw new SocketPathTooLongError(socketPath);
  return restrictedSocketPath(socketPath);
}

/** Both sockets must fit: the restricted one is the longer. */
const fits = (socketPath: string, platform: NodeJS.Platform = process.platform) => Buffer.byteLength(restrictedSocketPath(socketPath)) <= socketPathLimit(platform);

export class SocketPathTooLongError extends KeyfobError {
  constructor(path: string) {
    super(
      'SocketPathTooLong',
      Buffer.byteLength(path) > SOCKET_PATH_LIMIT
        ? `KEYFOB_SOCKET is ${Buffer.byteLength(path)} bytes long, and a Unix socket path can be at most ${SOCKET_PATH_LIMIT}: ${path}; set a shorter KEYFOB_SOCKET, or unset it`
        : `the restricted socket beside KEYFOB_SOCKET would be ${Buffer.byteLength(restrictedSocketPath(path))} bytes long, and a Unix socket path can be at most ${SOCKET_PATH_LIMIT}: ${restrictedSocketPath(path)}; set a shorter KEYFOB_SOCKET, or unset it`,
      500,
    );
  }
}

/**
 * $XDG_RUNTIME_DIR when it is really this user's (su and sudo can leave another user's behind).
 * Never on macOS: only some dotfiles set it there, so a terminal and an app started from the Dock
 * would look for two different sockets.
 */
function runtimeDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const dir = env.XDG_RUNTIME_DIR;
  if (platform === 'darwin') return undefined;
  if (!dir || !dir.startsWith('/')) return undefined;
  try {
    return statSync(dir).uid === process.getuid?.() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the socket goes when its natural place is too long for a socket path: a directory of
 * keyfob's own directly in /tmp, named by the user's uid and the natural path's cksum. Fixed on
 * purpose: TMPDIR is unset under `env -i`, sudo and launchd, so two clients would disagree. The
 * daemon makes it 0700 and every client checks it like any other (docs/security.md).
 */
export const SOCKET_FALLBACK_ROOT = '/tmp';

/**
 * The daemon's socket, where no other user can reach. KEYFOB_SOCKET wins; with KEYFOB_HOME set
 * the socket lives under it, so two homes never share a daemon; otherwise it goes in the user's
 * runtime dir (not on macOS), else under the user's state dir; and when that path is too long for a
 * socket, in /tmp/keyfob-UID-CKSUM/. The shims compute the same (shell/locate.sh, assume.fish;
 * test/shell/socketPlace.test.ts holds the three to one table). `platform` is for tests.
 */
export function socketLocation(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): SocketLocation {
  if (env.KEYFOB_SOCKET) {
    const path = expandPath(env.KEYFOB_SOCKET, env);
    if (Buffer.byteLength(path) > socketPathLimit(platform)) throw new SocketPathTooLongError(path);
    return { path };
  }
  const runtime = env.KEYFOB_HOME ? undefined : runtimeDir(env, platform);
  const natural = runtime ? join(runtime, 'keyfob', 'daemon.sock') : join(keyfobHome(env, platform), 'run', 'daemon.sock');
  if (fits(natural, platform)) return { path: natural };
  return { path: join(SOCKET_FALLBACK_ROOT, `keyfob-${uid()}-${posixCksum(natural)}`, 'daemon.sock'), fallbackFrom: natural };
}

/**
 * This installation's root (where bin/keyfob.cjs is), found from this file whether it runs from
 * dist/ as compiled or from one of the bundles in dist/.
 */
export function installRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'keyfob.cjs'))) return dir;
    if (dirname(dir) === dir) throw new Error('cannot find this keyfob installation (bin/keyfob.cjs); reinstall keyfob');
  }
}
