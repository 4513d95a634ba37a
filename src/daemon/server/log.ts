// The daemon's log (KEYFOB_HOME/daemon.log). Callers never pass secrets, and as a second
// line of defence any field whose name sounds secret is replaced before it is written.
import { closeSync, constants, openSync, writeSync } from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /token|secret|password|credential|authorization/i;

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = SECRET_FIELD.test(key) ? '[redacted]' : value;
  return out;
}

export class DaemonLog {
  private readonly threshold: number;
  /** For a hot path that would build a debug line's fields for nothing. */
  readonly debugEnabled: boolean;

  constructor(
    private readonly file: string | undefined,
    level: string | undefined = process.env.KEYFOB_LOG_LEVEL,
  ) {
    this.threshold = LEVELS[(level as LogLevel) ?? 'info'] ?? LEVELS.info;
    this.debugEnabled = this.threshold <= LEVELS.debug;
  }

  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < this.threshold) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}${fields ? ` ${JSON.stringify(redact(fields))}` : ''}\n`;
    if (!this.file) {
      process.stderr.write(line);
      return;
    }
    try {
      // Never through a symlink: a planted daemon.log -> ~/.bashrc must not be appended to.
      const fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
    } catch {
      // A full disk must not take the daemon down with it.
    }
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }
}
