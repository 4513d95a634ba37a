// The daemon's socket and its directory, judged by the rule the daemon and every client apply
// (src/core/trustedPath.ts). Doctor only looks: it never creates the dir or changes its mode.
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { socketLocation, type SocketLocation } from '../core/paths.js';
import { lstatOrUndefined, privateDirProblem, SOCKET_ELSEWHERE, socketProblem, type PathProblem } from '../core/trustedPath.js';
import { oneLine } from '../core/errors.js';
import { quotePosix } from '../core/shellWords.js';
import type { CheckResult, DoctorCheck } from './types.js';

const NAME = 'socket-dir';

const octal = (st: Stats) => (st.mode & 0o777).toString(8).padStart(3, '0');
const failed = (problem: PathProblem, refuser: string): CheckResult => ({
  name: NAME,
  status: 'fail',
  detail: `${problem.path} ${problem.why}; ${refuser}`,
  fix: problem.fix,
});

export function inspectSocketDir(env: NodeJS.ProcessEnv): CheckResult {
  let location: SocketLocation;
  try {
    location = socketLocation(env);
  } catch (err) {
    return { name: NAME, status: 'fail', detail: oneLine(err), fix: 'set a shorter KEYFOB_SOCKET, or unset it' };
  }
  const dir = dirname(location.path);
  const where = `${dir}${location.fallbackFrom ? ` (short path: ${location.fallbackFrom} is too long for a socket)` : ''}`;

  const st = lstatOrUndefined(dir);
  if (!st) return { name: NAME, status: 'ok', detail: `${where} does not exist yet; the daemon creates it (mode 700) when it starts` };
  const dirProblem = privateDirProblem(dir, SOCKET_ELSEWHERE);
  if (dirProblem) return failed(dirProblem, 'the daemon and its clients refuse it');
  const sockProblem = socketProblem(location.path, SOCKET_ELSEWHERE);
  if (sockProblem) return failed(sockProblem, 'clients refuse to connect to it');

  // Safe, but keyfob's own design is dir 700: say so without failing.
  if (st.mode & 0o077) {
    return { name: NAME, status: 'warn', detail: `${where} is readable by others (mode ${octal(st)}); keyfob makes it 700`, fix: `chmod 700 ${quotePosix(dir)}` };
  }
  const socket = lstatOrUndefined(location.path);
  if (socket && socket.mode & 0o077) {
    return { name: NAME, status: 'warn', detail: `${location.path} has mode ${octal(socket)}; the daemon makes it 600`, fix: `keyfob daemon stop (the next daemon recreates it)` };
  }
  return { name: NAME, status: 'ok', detail: `${where} is yours, mode ${octal(st)}` };
}

export const socketDirCheck: DoctorCheck = {
  name: NAME,
  run: async ({ env }) => inspectSocketDir(env),
};
