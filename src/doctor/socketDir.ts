// The daemon's socket dir, judged by the rules the daemon applies on start (prepareSocketDir in
// daemon/server/lifecycle.ts). Doctor only looks: it never creates the dir or changes its mode.
import { lstatSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { socketLocation } from '../paths.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'socket-dir';

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const octal = (st: Stats) => (st.mode & 0o777).toString(8).padStart(3, '0');
const myUid = () => (typeof process.getuid === 'function' ? process.getuid() : undefined);

export function inspectSocketDir(env: NodeJS.ProcessEnv): CheckResult {
  const location = socketLocation(env);
  const dir = dirname(location.path);
  const where = `${dir}${location.fallbackFrom ? ` (short path: ${location.fallbackFrom} is too long for a socket)` : ''}`;
  const elsewhere = 'or set KEYFOB_SOCKET to a path in a directory only you can write';

  const st = statOrUndefined(dir);
  if (!st) return { name: NAME, status: 'ok', detail: `${where} does not exist yet; the daemon creates it (mode 700) when it starts` };
  if (!st.isDirectory()) return { name: NAME, status: 'fail', detail: `${dir} is not a directory`, fix: `remove ${dir}, ${elsewhere}` };
  const uid = myUid();
  if (uid !== undefined && st.uid !== uid) {
    return { name: NAME, status: 'fail', detail: `${dir} is owned by uid ${st.uid}, not you (uid ${uid}); the daemon refuses it`, fix: `set KEYFOB_SOCKET to a path in a directory you own` };
  }
  if (st.mode & 0o022) {
    return { name: NAME, status: 'fail', detail: `other users can write to ${dir} (mode ${octal(st)}); the daemon refuses it`, fix: `chmod 700 ${dir}` };
  }

  const socket = statOrUndefined(location.path);
  if (socket && !socket.isSocket()) {
    return { name: NAME, status: 'fail', detail: `${location.path} exists and is not a socket; the daemon cannot listen there`, fix: `remove ${location.path}, ${elsewhere}` };
  }
  // The daemon accepts these, but its design is dir 700 and socket 600: say so without failing.
  if (st.mode & 0o077) {
    return { name: NAME, status: 'warn', detail: `${where} is readable by others (mode ${octal(st)}); keyfob makes it 700`, fix: `chmod 700 ${dir}` };
  }
  if (socket && socket.mode & 0o077) {
    return { name: NAME, status: 'warn', detail: `${location.path} has mode ${octal(socket)}; the daemon makes it 600`, fix: `keyfob daemon stop (the next daemon recreates it)` };
  }
  return { name: NAME, status: 'ok', detail: `${where} is yours, mode ${octal(st)}` };
}

export const socketDirCheck: DoctorCheck = {
  name: NAME,
  run: async ({ env }) => inspectSocketDir(env),
};
