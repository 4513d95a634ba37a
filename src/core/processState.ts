// Is a process a zombie (exited, not yet reaped)? It still answers kill(pid, 0) but owns nothing.
// Linux answers from /proc; macOS and the BSDs have no /proc, so `ps -o stat=` answers there.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export function isZombie(pid: number, procRoot = '/proc'): boolean {
  if (existsSync(`${procRoot}/self`)) {
    try {
      // The state follows the command name, which may itself hold ") ": take the last one.
      const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(') ') + 2).startsWith('Z');
    } catch {
      return false;
    }
  }
  try {
    // ps answers within its 2 s bound; "Z" (Linux, macOS) or "Z+"/"Zs" (with flags).
    return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().startsWith('Z');
  } catch {
    return false;
  }
}
