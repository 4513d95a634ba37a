// Finding a program as a shell would: an executable regular file, in the first PATH directory
// that has one. Used where the client runs or names a program the user chose (an MFA prompt
// driver, a browser) and where doctor checks one. The daemon starts no program and needs none.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first `program` on the PATH of `env`, or undefined. With `absoluteOnly`, relative PATH
 * entries are skipped: they would mean something else to a process started elsewhere.
 */
export function findOnPath(program: string, env: NodeJS.ProcessEnv = process.env, { absoluteOnly = false } = {}): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || (absoluteOnly && !dir.startsWith('/'))) continue;
    const candidate = join(dir, program);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
