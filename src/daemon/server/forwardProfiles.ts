// Which profiles the restricted socket (the one to forward with ssh -R) serves: the optional
// `forward_profiles` setting in KEYFOB_HOME/settings.json, read once when the daemon starts.
//   {"forward_profiles": ["Development/*", "QA/ReadOnlyAccess"]}
// Globs: `*` is any run of characters (`/` included), `?` one character; no setting means every
// profile of the daemon's own config. A setting that cannot be read serves none (fail closed).
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyfobHome } from '../../core/paths.js';

export const SETTINGS_FILE = 'settings.json';
export const FORWARD_PROFILES = 'forward_profiles';

export interface ForwardProfiles {
  /** The settings file, for the one-line refusals. */
  file: string;
  /** Undefined: the setting is absent, every profile is served. */
  globs?: string[];
  /** Set when the file could not be used: then no profile is served, and this says why. */
  problem?: string;
  allows(profile: string): boolean;
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');

/** The setting as the daemon sees it at start; KEYFOB_HOME is a private dir (checked before this runs). */
export function loadForwardProfiles(env: NodeJS.ProcessEnv): ForwardProfiles {
  const file = join(keyfobHome(env), SETTINGS_FILE);
  const refuseAll = (problem: string): ForwardProfiles => ({ file, problem, allows: () => false });
  let text: string;
  try {
    // Never through a symlink, and only a file of this user's that nobody else can write.
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.uid !== process.getuid?.() || st.mode & 0o022) return refuseAll(`${file} must be a regular file of yours that only you can write`);
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, allows: () => true };
    return refuseAll(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let globs: unknown;
  try {
    globs = (JSON.parse(text) as Record<string, unknown>)?.[FORWARD_PROFILES];
  } catch {
    return refuseAll(`${file} is not JSON`);
  }
  if (globs === undefined) return { file, allows: () => true };
  if (!Array.isArray(globs) || !globs.every((g) => typeof g === 'string' && g.length > 0)) {
    return refuseAll(`"${FORWARD_PROFILES}" in ${file} must be a list of profile names or globs`);
  }
  const patterns = (globs as string[]).map(globToRegExp);
  return { file, globs: globs as string[], allows: (profile) => patterns.some((re) => re.test(profile)) };
}
