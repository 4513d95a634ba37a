// Where keyfob keeps things. Lean on purpose: the credential-process hot path imports it.
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Unix socket paths are limited to 104 bytes on macOS and 108 on Linux (including the NUL). */
export const SOCKET_PATH_LIMIT = process.platform === 'darwin' ? 103 : 107;

export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
}

export function keyfobHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KEYFOB_HOME) return env.KEYFOB_HOME;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'keyfob');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'keyfob');
}

export function logFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(keyfobHome(env), 'daemon.log');
}

function uid(): string {
  return typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
}

/** A short stable name for a long path (FNV-1a, 64 bit); not security, and node:crypto stays off the hot path. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}

export interface SocketLocation {
  path: string;
  /** Set when the natural path was too long and a short private one is used instead. */
  fallbackFrom?: string;
}

/**
 * The daemon's socket. KEYFOB_SOCKET wins; with KEYFOB_HOME set the socket lives under it,
 * so two homes never share a daemon; otherwise it goes in the private runtime dir.
 */
export function socketLocation(env: NodeJS.ProcessEnv = process.env): SocketLocation {
  if (env.KEYFOB_SOCKET) return { path: env.KEYFOB_SOCKET };
  const natural = env.KEYFOB_HOME
    ? join(env.KEYFOB_HOME, 'run', 'daemon.sock')
    : join(env.XDG_RUNTIME_DIR || join(tmpdir(), `keyfob-${uid()}`), 'keyfob', 'daemon.sock');
  if (Buffer.byteLength(natural) <= SOCKET_PATH_LIMIT) return { path: natural };
  const digest = fnv1a64(natural);
  return { path: join(tmpdir(), `keyfob-${uid()}-${digest}`, 'daemon.sock'), fallbackFrom: natural };
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
