// Who the daemon starts: its pid from KEYFOB_HOME/daemon.pid, and every process whose parent it is
// (/proc/PID/stat), watched by polling while a test drives it. The daemon may start one program
// only, the keychain helper; with KEYFOB_KEYRING=memory it starts none.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function daemonPid(keyfobHome: string): number {
  return Number(readFileSync(join(keyfobHome, 'daemon.pid'), 'utf8').trim().split(/\s+/)[0]);
}

/** The command lines of `pid`'s children now. */
export function childrenOf(pid: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() || `pid ${entry}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Polls `pid`'s children until stopped; `stop()` returns every one seen. */
export function watchChildren(pid: number, everyMs = 10): { stop(): string[] } {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const child of childrenOf(pid)) seen.add(child);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      for (const child of childrenOf(pid)) seen.add(child);
      return [...seen];
    },
  };
}
