// Where a profile's credentials come from, resolved as botocore resolves them (credentials.py:
// AssumeRoleProvider and ProfileProviderBuilder), with the same keys, precedence and errors:
//   role_arn (with source_profile, recursively, or credential_source) outranks everything in the
//   profile asked for; a source profile with static keys is used for its keys even if it has
//   role_arn too; otherwise, in order: IAM Identity Center (keyfob_*, sso_*, granted_sso_*), static
//   keys in the credentials file, credential_process, static keys in the config file.
// The credentials file's profiles are merged into the config's, its values winning (full_config).
// keyfob's own credential_process line is not another tool: it names keys `keyfob add` stored in
// the keychain (an IAM user), or another profile keyfob answers for.
// One room just over 300 lines: botocore's precedence is one ordered decision over the kinds
// below; split by kind, the order would live nowhere.
import { basename } from 'node:path';
import { splitCommandLine } from '../core/shellWords.js';
import { ConfigError, NoSessionForPortalError } from '../core/errors.js';
import type { SsoSessionConfig } from '../signin/types.js';
import type { AwsConfig } from './awsConfig.js';
import { sameStartUrl } from './ssoSessions.js';

export interface SsoSource {
  kind: 'sso';
  profile: string;
  /** The [sso-session] it signs in through; for a legacy or granted profile, the one whose start URL matches. */
  ssoSession: string;
  accountId: string;
  roleName: string;
  /** When no [sso-session] of the config names the portal: the sign-in the daemon already holds to it. */
  signedIn?: SsoSessionConfig;
}

export interface ChainSource {
  kind: 'chain';
  profile: string;
  roleArn: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  mfaSerial?: string;
  sourceIdentity?: string;
  /** The profile named by source_profile, resolved. */
  source: ProfileSource;
}

export interface IamUserSource {
  kind: 'iam-user';
  profile: string;
  mfaSerial?: string;
}

export interface StaticSource {
  kind: 'static';
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** The file the keys are written in. */
  file: string;
}

export interface ProcessSource {
  kind: 'process';
  profile: string;
  command: string;
  /** The file the credential_process line is written in. */
  file: string;
}

/** `credential_source = Environment`: AWS_ACCESS_KEY_ID… of the client that asks, sent with its request. */
export interface EnvironmentSource {
  kind: 'environment';
  /** The chain profile that names it. */
  profile: string;
}

export type ProfileSource = SsoSource | ChainSource | IamUserSource | StaticSource | ProcessSource | EnvironmentSource;

/** What a request resolves against: the caller's config and shared credentials file, both trust-checked and parsed. */
export interface ProfileFiles {
  config: AwsConfig;
  configPath: string;
  /** Profiles of the shared credentials file, by section name, keys lower-cased; first occurrence wins. */
  credentials: ReadonlyMap<string, Record<string, string>>;
  credentialsPath: string;
}

const STATIC_KEYS = ['aws_access_key_id', 'aws_secret_access_key'];
const KEYFOB_KEYS = ['keyfob_sso_session', 'keyfob_account_id', 'keyfob_role_name'] as const;
const GRANTED_KEYS = ['granted_sso_start_url', 'granted_sso_region', 'granted_sso_account_id', 'granted_sso_role_name'] as const;

/** Keys that make a section meant to give credentials (botocore's, the AWS CLI's SSO ones, granted's and keyfob's). */
const CREDENTIAL_KEY =
  /^(aws_access_key_id|aws_secret_access_key|aws_session_token|role_arn|source_profile|credential_source|credential_process|web_identity_token_file|mfa_serial|login_session|sso_.*|keyfob_.*|granted_.*)$/;

const hasStatic = (v: Record<string, string>) => STATIC_KEYS.some((k) => k in v);
const hasRoleVars = (v: Record<string, string>) => 'role_arn' in v && !('web_identity_token_file' in v);

/**
 * The profile keyfob's own credential_process line answers for, or undefined for another tool's
 * line: `…/keyfob credential-process --profile NAME`, or populate --fast-path's
 * `/bin/sh …/shell/credential-process.sh NAME`.
 */
export function keyfobLineProfile(line: string): string | undefined {
  let argv: string[];
  try {
    argv = splitCommandLine(line);
  } catch {
    return undefined;
  }
  const program = basename(argv[0] ?? '');
  if ((program === 'keyfob' || program === 'keyfob.cjs') && argv[1] === 'credential-process') {
    for (let i = 2; i < argv.length; i++) {
      if (argv[i] === '--profile') return argv[i + 1];
      if (argv[i]!.startsWith('--profile=')) return argv[i]!.slice('--profile='.length);
    }
    return undefined;
  }
  if (/^(\/usr)?\/bin\/sh$/.test(argv[0] ?? '') && argv[1]?.endsWith('/shell/credential-process.sh')) return argv[2];
  return undefined;
}

export class ProfileResolver {
  /** Set once a legacy or granted profile resolved through a sign-in the daemon holds (not the files alone). */
  usedSignIn = false;

  /** `signedIn`: the sign-ins the daemon holds, for profiles whose portal has no [sso-session]. */
  constructor(
    private readonly files: ProfileFiles,
    private readonly signedIn: () => SsoSessionConfig[] = () => [],
  ) {}

  exists(name: string): boolean {
    return this.files.config.profiles.has(name) || this.files.credentials.has(name);
  }

  /**
   * The keys of a section that only sets defaults (a plain [default] with region and output):
   * none of them gives credentials, so it is no credential profile. Undefined when one does.
   */
  settingsOnly(name: string): string[] | undefined {
    const keys = Object.keys(this.values(name));
    return keys.some((key) => CREDENTIAL_KEY.test(key)) ? undefined : keys;
  }

  /** The config's values with the credentials file's on top, as botocore's full_config. */
  private values(name: string): Record<string, string> {
    return { ...this.files.config.profiles.get(name)?.values, ...this.files.credentials.get(name) };
  }

  /** The profile's source tree; throws a one-line ConfigError as botocore would refuse it. */
  resolve(name: string): ProfileSource {
    const visited = [name];
    if (hasRoleVars(this.values(name))) return this.chain(name, visited);
    const source = this.profileProviders(name, visited);
    if (source) return source;
    throw new ConfigError(
      `profile ${JSON.stringify(name)} has no credentials keyfob can use (no role_arn, sso_session, keys or credential_process); run: keyfob populate, or keyfob add ${name}`,
    );
  }

  private chain(name: string, visited: string[]): ChainSource {
    const v = this.values(name);
    const sourceProfile = v.source_profile;
    const credentialSource = v.credential_source;
    if (sourceProfile !== undefined && credentialSource !== undefined) {
      throw new ConfigError(`The profile "${name}" contains both source_profile and credential_source; keep one of them`);
    }
    if (sourceProfile === undefined && credentialSource === undefined) {
      throw new ConfigError(`profile "${name}" has role_arn but neither source_profile nor credential_source; add source_profile = PROFILE`);
    }
    if (credentialSource !== undefined && credentialSource !== 'Environment') {
      // The daemon runs on no EC2 instance or container of the caller's: it would answer from the wrong place.
      throw new ConfigError(
        `profile "${name}" has credential_source = ${credentialSource}, which keyfob does not serve (only Environment); use source_profile, or run the AWS CLI on that instance without keyfob`,
      );
    }
    if (sourceProfile !== undefined) {
      this.checkSourceProfile(name, sourceProfile, visited);
      visited.push(sourceProfile);
    }
    const duration = v.duration_seconds === undefined ? undefined : Number.parseInt(v.duration_seconds, 10);
    return {
      kind: 'chain',
      profile: name,
      roleArn: v.role_arn!,
      ...(v.role_session_name ? { roleSessionName: v.role_session_name } : {}),
      ...(v.external_id ? { externalId: v.external_id } : {}),
      // botocore ignores a duration_seconds that is not a number.
      ...(duration !== undefined && Number.isFinite(duration) ? { durationSeconds: duration } : {}),
      ...(v.mfa_serial ? { mfaSerial: v.mfa_serial } : {}),
      ...(v.source_identity ? { sourceIdentity: v.source_identity } : {}),
      // credential_source = Environment: the keys in the environment of the client that asks (botocore's EnvProvider).
      source: sourceProfile === undefined ? { kind: 'environment', profile: name } : this.sourceOf(sourceProfile, visited),
    };
  }

  private checkSourceProfile(parent: string, source: string, visited: string[]): void {
    if (!this.exists(source)) {
      throw new ConfigError(`The source_profile "${source}" referenced in the profile "${parent}" does not exist; add [profile ${source}] or fix source_profile`);
    }
    if (!visited.includes(source)) return;
    // A profile may name itself to use its own static keys; anything else seen before is a loop.
    if (source !== parent || !hasStatic(this.values(source))) {
      throw new ConfigError(
        `Infinite loop in credential configuration detected. Attempting to load from profile ${source} which has already been visited. Visited profiles: ${visited.join(', ')}; fix source_profile in profile "${parent}"`,
      );
    }
  }

  /** A source profile: its own providers when it has static keys or no role_arn, else its chain. */
  private sourceOf(name: string, visited: string[]): ProfileSource {
    const v = this.values(name);
    if (hasStatic(v) || !hasRoleVars(v)) {
      const source = this.profileProviders(name, visited);
      if (!source) throw new ConfigError(`The source profile "${name}" must have credentials; add keys, sso_session or role_arn to it, or run: keyfob add ${name}`);
      return source;
    }
    return this.chain(name, visited);
  }

  /** botocore's ProfileProviderBuilder order, for one profile; undefined when none applies. */
  private profileProviders(name: string, visited: string[]): ProfileSource | undefined {
    const config = this.files.config.profiles.get(name)?.values ?? {};
    const creds = this.files.credentials.get(name) ?? {};
    const v = { ...config, ...creds };
    if ('web_identity_token_file' in v) {
      throw new ConfigError(`profile "${name}" uses web_identity_token_file, which keyfob does not serve; let the SDK read it directly`);
    }
    const sso = this.sso(name, v);
    if (sso) return sso;
    if (hasStatic(creds)) return this.static(name, creds, this.files.credentialsPath);
    if (v.credential_process) {
      const own = keyfobLineProfile(v.credential_process);
      if (own === undefined) {
        const file = 'credential_process' in creds ? this.files.credentialsPath : this.files.configPath;
        return { kind: 'process', profile: name, command: v.credential_process, file };
      }
      if (own === name) return { kind: 'iam-user', profile: name, ...(v.mfa_serial ? { mfaSerial: v.mfa_serial } : {}) };
      // keyfob answering for another profile: that profile's source, with loop detection.
      this.checkSourceProfile(name, own, visited);
      visited.push(own);
      if (hasRoleVars(this.values(own))) return this.chain(own, visited);
      const aliased = this.profileProviders(own, visited);
      if (!aliased) throw new ConfigError(`profile "${name}" asks keyfob for profile "${own}", which has no credentials; run: keyfob add ${own}, or fix its credential_process`);
      return aliased;
    }
    if (hasStatic(config)) return this.static(name, config, this.files.configPath);
    return undefined;
  }

  private static(name: string, v: Record<string, string>, file: string): StaticSource {
    const missing = STATIC_KEYS.filter((k) => !v[k]);
    if (missing.length) throw new ConfigError(`profile "${name}" in ${file} has only part of its keys (no ${missing.join(', ')}); add it`);
    return {
      kind: 'static',
      profile: name,
      accessKeyId: v.aws_access_key_id!,
      secretAccessKey: v.aws_secret_access_key!,
      ...(v.aws_session_token ? { sessionToken: v.aws_session_token } : {}),
      file,
    };
  }

  private sso(name: string, v: Record<string, string>): SsoSource | undefined {
    const missingOf = (keys: readonly string[]) => keys.filter((k) => !v[k]);
    const fail = (keys: string[], hint: string) => new ConfigError(`profile "${name}" has no ${keys.join(', ')}; ${hint}`);
    if (KEYFOB_KEYS.some((k) => k in v)) {
      const missing = missingOf(KEYFOB_KEYS);
      if (missing.length) throw fail(missing, 'add it, or run: keyfob populate');
      return { kind: 'sso', profile: name, ssoSession: v.keyfob_sso_session!, accountId: v.keyfob_account_id!, roleName: v.keyfob_role_name! };
    }
    if (v.sso_session) {
      const missing = missingOf(['sso_account_id', 'sso_role_name']);
      if (missing.length) throw fail(missing, 'add it, or run: keyfob populate --mode native');
      return { kind: 'sso', profile: name, ssoSession: v.sso_session, accountId: v.sso_account_id!, roleName: v.sso_role_name! };
    }
    if (['sso_start_url', 'sso_account_id', 'sso_role_name'].some((k) => k in v)) {
      const missing = missingOf(['sso_start_url', 'sso_region', 'sso_account_id', 'sso_role_name']);
      if (missing.length) throw fail(missing, 'add it, or run: keyfob populate --mode native');
      return this.legacy(name, v.sso_start_url!, v.sso_region!, v.sso_account_id!, v.sso_role_name!);
    }
    if (GRANTED_KEYS.some((k) => k in v)) {
      const missing = missingOf(GRANTED_KEYS);
      if (missing.length) throw fail(missing, 'add it, or run: keyfob populate --adopt granted');
      return this.legacy(name, v.granted_sso_start_url!, v.granted_sso_region!, v.granted_sso_account_id!, v.granted_sso_role_name!);
    }
    return undefined;
  }

  /** A profile that names its portal itself signs in through the [sso-session] of that portal (same region first). */
  private legacy(name: string, startUrl: string, region: string, accountId: string, roleName: string): SsoSource {
    const same = [...this.files.config.ssoSessions.values()].filter((s) => sameStartUrl(s.startUrl, startUrl));
    const session = same.find((s) => s.region === region) ?? same[0];
    if (!session) {
      // No section names the portal, but the daemon is signed in to exactly it (start URL and region): use that.
      const held = this.signedIn().find((s) => s.region === region && sameStartUrl(s.startUrl, startUrl));
      if (!held) throw new NoSessionForPortalError(name, startUrl, region);
      this.usedSignIn = true;
      return { kind: 'sso', profile: name, ssoSession: held.name, accountId, roleName, signedIn: held };
    }
    return { kind: 'sso', profile: name, ssoSession: session.name, accountId, roleName };
  }
}

/** The name of a role from its ARN (arn:aws:iam::123:role/path/Name → Name). */
export function roleNameOf(roleArn: string): string {
  const resource = roleArn.split(':').slice(5).join(':');
  return resource.startsWith('role/') ? resource.slice(resource.lastIndexOf('/') + 1) : resource;
}
