// Which profiles the restricted socket (the one to forward with ssh -R) serves: the optional
// `forward_profiles` setting in KEYFOB_HOME/settings.json, read once when the daemon starts.
//   {"forward_profiles": ["Development/*", "QA/ReadOnlyAccess"]}
// Globs: `*` is any run of characters (`/` included), `?` one character; no setting means every
// profile of the daemon's own config. A setting that cannot be read serves none (fail closed).
import { readSettings } from '../../core/settings.js';

export { SETTINGS_FILE } from '../../core/settings.js';
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
  const { file, values, problem } = readSettings(env);
  const refuseAll = (why: string): ForwardProfiles => ({ file, problem: why, allows: () => false });
  if (problem) return refuseAll(problem);
  const globs = values[FORWARD_PROFILES];
  if (globs === undefined) return { file, allows: () => true };
  if (!Array.isArray(globs) || !globs.every((g) => typeof g === 'string' && g.length > 0)) {
    return refuseAll(`"${FORWARD_PROFILES}" in ${file} must be a list of profile names or globs`);
  }
  const patterns = (globs as string[]).map(globToRegExp);
  return { file, globs: globs as string[], allows: (profile) => patterns.some((re) => re.test(profile)) };
}
