// Where keyfob keeps things. Lean on purpose: the credential-process hot path imports it.
import { createHash } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const digest = createHash('sha256').update(natural).digest('hex').slice(0, 16);
  return { path: join(tmpdir(), `keyfob-${uid()}-${digest}`, 'daemon.sock'), fallbackFrom: natural };
}
