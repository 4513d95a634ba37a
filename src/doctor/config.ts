// AWS_CONFIG_FILE: parse problems with their line numbers, and profiles that name an
// [sso-session] the file does not have. One read serves both checks.
import { readFile } from 'node:fs/promises';
import { ConfigError, oneLine } from '../core/errors.js';
import { interpretConfig, resolveProfileSource, type AwsConfig } from '../config/awsConfig.js';
import { parseConfig, type ConfigDocument } from '../config/iniDocument.js';
import { nearestNames } from '../config/nearestNames.js';
import { configFile } from '../core/paths.js';
import type { CheckResult, DoctorCheck } from './types.js';

const CONFIG = 'config';
const PROFILES = 'profiles';
/** Enough to act on; the rest are counted, so one line stays readable. */
const SHOWN = 5;

function listed(items: string[]): string {
  const more = items.length > SHOWN ? `; and ${items.length - SHOWN} more` : '';
  return items.slice(0, SHOWN).join('; ') + more;
}

export interface LoadedConfig {
  path: string;
  exists: boolean;
  doc: ConfigDocument;
  config: AwsConfig;
}

export async function loadConfig(env: NodeJS.ProcessEnv): Promise<LoadedConfig> {
  const path = configFile(env);
  let text = '';
  let exists = true;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
    exists = false;
  }
  const doc = parseConfig(text);
  return { path, exists, doc, config: interpretConfig(doc) };
}

/** For the checks that read the config: the loaded file, or their skip when it cannot be read (the config check says why). */
export async function loadConfigOrSkip(name: string, env: NodeJS.ProcessEnv): Promise<LoadedConfig | CheckResult> {
  try {
    return await loadConfig(env);
  } catch {
    return { name, status: 'skip', detail: 'the config cannot be read (see the config check)' };
  }
}

export function inspectConfigSyntax({ path, exists, config }: LoadedConfig): CheckResult {
  if (!exists) return { name: CONFIG, status: 'ok', detail: `${path} does not exist yet; keyfob login creates it` };
  const problems = [...config.problems].sort((a, b) => a.line - b.line);
  if (problems.length === 0) {
    return { name: CONFIG, status: 'ok', detail: `${path} parses: ${config.profiles.size} profile(s), ${config.ssoSessions.size} sso-session(s)` };
  }
  return {
    name: CONFIG,
    status: 'fail',
    detail: `${problems.length} problem(s) in ${path}: ${listed(problems.map((p) => `line ${p.line}: ${p.message}`))}`,
    fix: problems.some((p) => p.refused)
      ? `edit ${path} at line ${problems.find((p) => p.refused)!.line}${problems.length > 1 ? ` (and the other lines named)` : ''}: until then the AWS CLI refuses the whole file ("Unable to parse config file")`
      : `edit ${path} at line ${problems[0].line}${problems.length > 1 ? ` (and the other lines named)` : ''}; the AWS CLI ignores what it cannot read there`,
  };
}

/** The 1-based header line of a profile, for pointing at it. */
function profileLine(doc: ConfigDocument, name: string): number | undefined {
  const section = doc.sections.find((s) => (s.kind === 'profile' || s.kind === 'default') && s.name === name);
  return section ? section.headerLine + 1 : undefined;
}

export function inspectProfiles({ path, doc, config }: LoadedConfig): CheckResult {
  const sessionNames = [...config.ssoSessions.keys()];
  const dangling: { text: string; session: string }[] = [];
  const incomplete: string[] = [];
  let ssoProfiles = 0;
  for (const profile of config.profiles.values()) {
    const line = profileLine(doc, profile.name);
    const at = line ? `line ${line}: ` : '';
    let source;
    try {
      source = resolveProfileSource(profile);
    } catch (err) {
      // Profiles with no keyfob_* or sso_* keys are someone else's business (static keys, assume-role…).
      if (!/is not an IAM Identity Center profile/.test(oneLine(err))) incomplete.push(`${at}${oneLine(err).replace(/;.*$/, '')}`);
      continue;
    }
    ssoProfiles++;
    // Legacy native profiles carry their own start URL and name no session.
    if (!source.ssoSession || config.ssoSessions.has(source.ssoSession)) continue;
    const key = source.kind === 'keyfob' ? 'keyfob_sso_session' : 'sso_session';
    dangling.push({ text: `${at}profile "${profile.name}" has ${key} = ${source.ssoSession}, and there is no [sso-session ${source.ssoSession}]`, session: source.ssoSession });
  }

  if (dangling.length > 0) {
    const missing = dangling[0].session;
    const near = nearestNames(missing, sessionNames, 1)[0];
    const fix = near
      ? `point the profile at an existing sso-session (nearest: ${near}), or add it: keyfob login --sso-session ${missing} --start-url URL --sso-region REGION`
      : `add the sso-session: keyfob login --sso-session ${missing} --start-url URL --sso-region REGION (or run keyfob populate again)`;
    return { name: PROFILES, status: 'fail', detail: `${dangling.length} profile(s) in ${path} name an unknown sso-session: ${listed(dangling.map((d) => d.text))}`, fix };
  }
  if (incomplete.length > 0) {
    return { name: PROFILES, status: 'fail', detail: `${incomplete.length} profile(s) in ${path} are incomplete: ${listed(incomplete)}`, fix: 'add the missing keys, or run: keyfob populate' };
  }
  if (ssoProfiles === 0) return { name: PROFILES, status: 'skip', detail: `no IAM Identity Center profiles in ${path} yet (run: keyfob populate)` };
  return { name: PROFILES, status: 'ok', detail: `${ssoProfiles} IAM Identity Center profile(s), each naming a configured sso-session` };
}

/** Both config checks from one read; a file that cannot be read fails both. */
export const configChecks: DoctorCheck = {
  name: CONFIG,
  async run({ env }) {
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfig(env);
    } catch (err) {
      const unreadable = { status: 'fail' as const, detail: oneLine(err), fix: `make ${configFile(env)} readable by you, or point AWS_CONFIG_FILE elsewhere` };
      return [{ name: CONFIG, ...unreadable }, { name: PROFILES, ...unreadable }];
    }
    return [inspectConfigSyntax(loaded), inspectProfiles(loaded)];
  },
};
