// Who this daemon is, beyond its pid: pids are reused within seconds, by any user. The shims'
// prompt hook (shell/assume.sh, assume.fish) compares it to make sure the process at the pid an
// auto-refresh token names is still the daemon that issued the token.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Where /proc exists, the daemon's start time as the kernel counts it (field 22 of
 * /proc/PID/stat, clock ticks since boot): with the pid, no other process has it until a reboot,
 * and the hook reads it back with a shell builtin, no fork. Elsewhere a random id, which the hook
 * compares with what the daemon's socket answers at /v1/ping.
 */
function ownIdentity(): string {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const start = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19];
    if (start && /^\d+$/.test(start)) return start;
  } catch {
    // no /proc
  }
  return randomBytes(16).toString('hex');
}

export const DAEMON_ID = ownIdentity();
