// The read model of ~/.aws/config: profiles and sso-sessions, read the way botocore reads them.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.js';
import { parseConfig, type ConfigDocument, type ConfigProblem } from './iniDocument.js';

export interface Profile {
  name: string;
  /** Keys lower-cased as botocore does; the first occurrence of a key wins. */
  values: Record<string, string>;
}

export interface SsoSession {
  name: string;
  startUrl: string;
  region: string;
  /** From sso_registration_scopes (comma-separated); empty when the key is absent. */
  scopes: string[];
}

export interface AwsConfig {
  profiles: Map<string, Profile>;
  ssoSessions: Map<string, SsoSession>;
  problems: ConfigProblem[];
}

/** Read and interpret a config file. A missing file is an empty config, not an error. */
export async function readAwsConfig(path: string): Promise<AwsConfig> {
  return interpretConfig(parseConfig(await readConfigText(path)));
}

/** The config file's text; a missing file is empty. */
export async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export function interpretConfig(doc: ConfigDocument): AwsConfig {
  const profiles = new Map<string, Profile>();
  const ssoSessions = new Map<string, SsoSession>();
  const problems = [...doc.problems];
  const profileHeader = new Map<string, string>();
  // configparser's [DEFAULT]: botocore gives its keys to every profile and sso-session that does
  // not set them itself.
  const defaults: Record<string, string> = {};
  for (const section of doc.sections) {
    if (section.kind === 'other' && section.header === 'DEFAULT') for (const entry of section.entries) defaults[entry.key] ??= entry.value;
  }

  for (const section of doc.sections) {
    const values: Record<string, string> = { ...defaults };
    for (const entry of section.entries) values[entry.key] = entry.value;

    if (section.kind === 'default' || section.kind === 'profile') {
      // botocore builds a dict keyed by section header, then maps both [default] and
      // [profile default] to "default": whichever comes later in the file wins. A repeated
      // identical header is a duplicate, where we keep the first.
      if (profileHeader.get(section.name) === section.header) continue;
      profileHeader.set(section.name, section.header);
      profiles.set(section.name, { name: section.name, values });
    } else if (section.kind === 'sso-session') {
      if (ssoSessions.has(section.name)) continue;
      const session: SsoSession = {
        name: section.name,
        startUrl: values.sso_start_url ?? '',
        region: values.sso_region ?? '',
        scopes: (values.sso_registration_scopes ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      };
      for (const [key, field] of [['sso_start_url', session.startUrl], ['sso_region', session.region]] as const) {
        if (field === '') {
          problems.push({ line: section.headerLine + 1, refused: false, message: `[sso-session ${section.name}] has no ${key}` });
        }
      }
      ssoSessions.set(section.name, session);
    }
  }
  return { profiles, ssoSessions, problems };
}

/** Where a profile's credentials come from. */
export type ProfileSource =
  | { kind: 'keyfob'; ssoSession: string; accountId: string; roleName: string; region?: string }
  | {
      kind: 'native';
      /** Named [sso-session]; absent for a legacy profile that carries its own start URL. */
      ssoSession?: string;
      /** Legacy profiles only: sso_start_url and sso_region written on the profile itself. */
      startUrl?: string;
      ssoRegion?: string;
      accountId: string;
      roleName: string;
      region?: string;
    };

const KEYFOB_KEYS = ['keyfob_sso_session', 'keyfob_account_id', 'keyfob_role_name'] as const;

export function resolveProfileSource(profile: Profile): ProfileSource {
  const v = profile.values;
  const region = v.region || undefined;
  const missing = (keys: readonly string[]) => keys.filter((k) => !v[k]);
  const fail = (keys: string[], hint: string) =>
    new ConfigError(`profile "${profile.name}" has no ${keys.join(', ')}; ${hint}`);

  if (KEYFOB_KEYS.some((k) => k in v)) {
    const absent = missing(KEYFOB_KEYS);
    if (absent.length > 0) throw fail(absent, 'add it, or run: keyfob populate');
    return {
      kind: 'keyfob',
      ssoSession: v.keyfob_sso_session,
      accountId: v.keyfob_account_id,
      roleName: v.keyfob_role_name,
      ...(region ? { region } : {}),
    };
  }

  if (['sso_session', 'sso_account_id', 'sso_role_name', 'sso_start_url'].some((k) => k in v)) {
    const required = v.sso_session ? ['sso_account_id', 'sso_role_name'] : ['sso_start_url', 'sso_region', 'sso_account_id', 'sso_role_name'];
    const absent = missing(required);
    if (absent.length > 0) throw fail(absent, 'add it, or run: keyfob populate --mode native');
    return {
      kind: 'native',
      ...(v.sso_session ? { ssoSession: v.sso_session } : { startUrl: v.sso_start_url, ssoRegion: v.sso_region }),
      accountId: v.sso_account_id,
      roleName: v.sso_role_name,
      ...(region ? { region } : {}),
    };
  }

  throw new ConfigError(
    `profile "${profile.name}" is not an IAM Identity Center profile (no keyfob_sso_session or sso_session); run: keyfob populate`,
  );
}
