// The profile catalogue: each profile of the caller's files resolved once per parse (as botocore
// resolves it, config/profileResolver.ts), the summaries clients see (never a secret), the listing
// `keyfob list` shows, and the sso-session sections. It fetches nothing: credentials come from the
// link graph (linkGraph.ts).
import { basename } from 'node:path';
import type { AwsConfig } from '../../config/awsConfig.js';
import { nearestNames } from '../../config/nearestNames.js';
import { ProfileResolver, roleNameOf, type ProfileFiles, type ProfileSource } from '../../config/profileResolver.js';
import { ConfigError, KeyfobError, NoSessionForPortalError, oneLine, UnknownProfileError } from '../../core/errors.js';
import { splitCommandLine } from '../../core/shellWords.js';
import { signInDefinition, type SsoSessionConfig } from '../../signin/types.js';
import type { SessionManager } from '../../signin/sessions.js';
import { arnAccount } from '../../aws/sts.js';
import type { ProfileListing, ProfileSummary } from '../protocol.js';
import type { ConfigCache } from './configCache.js';

export interface Resolved {
  source?: ProfileSource;
  summary?: ProfileSummary;
  error?: KeyfobError;
}

export class ProfileCatalogue {
  /** Per parsed pair of files: each profile resolved once. */
  private readonly resolved = new WeakMap<ProfileFiles, Map<string, Resolved>>();
  private readonly summaries = new WeakMap<ProfileFiles, ProfileSummary[]>();

  constructor(private readonly sessions: SessionManager) {}

  /** The `[sso-session NAME]` section of the caller's config, or an error that says how to create it. */
  ssoSession(file: ConfigCache, name: string, usedBy?: string): SsoSessionConfig {
    const config = file.get();
    // A miss looks at the file again at once: the name may have been added within the stat window (configCache.ts).
    return sessionOf(config.ssoSessions.has(name) ? config : file.fresh(), file.path, name, usedBy);
  }

  ssoSessionNames(file: ConfigCache): string[] {
    return [...file.get().ssoSessions.keys()];
  }

  resolve(files: ProfileFiles, name: string): Resolved {
    let cache = this.resolved.get(files);
    if (!cache) this.resolved.set(files, (cache = new Map()));
    let entry = cache.get(name);
    if (!entry) {
      const resolver = new ProfileResolver(files, () => this.sessions.signedInSessions());
      if (!resolver.exists(name)) return {};
      try {
        const source = resolver.resolve(name);
        entry = { source, summary: summaryOf(files, name, source) };
      } catch (err) {
        if (!(err instanceof KeyfobError)) throw err;
        entry = { error: err };
      }
      // What depends on the daemon's sign-ins, not on the files alone, is resolved again next time.
      if (!resolver.usedSignIn && !(entry.error instanceof NoSessionForPortalError)) cache.set(name, entry);
    }
    return entry;
  }

  /** resolve() on the cached parse; a name it lacks looks at the files again at once (it may be within the stat window: configCache.ts). */
  resolveFresh(file: ConfigCache, name: string): Resolved & { files: ProfileFiles } {
    let files = file.profileFiles();
    let resolved = this.resolve(files, name);
    if (!resolved.source && !resolved.error) {
      file.fresh();
      files = file.profileFiles();
      resolved = this.resolve(files, name);
    }
    return { files, ...resolved };
  }

  /** The error for a name neither file has, with the three nearest names. */
  unknown(file: ConfigCache, files: ProfileFiles, name: string): UnknownProfileError {
    return new UnknownProfileError(name, file.path, nearestNames(name, profileNames(files)));
  }

  /** Every profile keyfob can answer for, in file order; recomputed only when a file changes. */
  profiles(file: ConfigCache): ProfileSummary[] {
    const files = file.profileFiles();
    let summaries = this.summaries.get(files);
    if (!summaries) {
      summaries = [];
      for (const name of profileNames(files)) {
        const summary = this.resolve(files, name).summary;
        if (summary) summaries.push(summary); // one that does not resolve is for `keyfob list` to explain
      }
      this.summaries.set(files, summaries);
    }
    return summaries;
  }

  /**
   * `keyfob list`: every profile, with its kind, source and cached expiry, or why it does not
   * resolve. `expiration` peeks at the profile's cached credentials (the link graph), fetching nothing.
   */
  listing(file: ConfigCache, expiration: (files: ProfileFiles, source: ProfileSource) => string | undefined): ProfileListing[] {
    const files = file.profileFiles();
    return profileNames(files).map((name) => {
      const { source, summary, error } = this.resolve(files, name);
      if (!summary || !source) {
        // A section that only sets defaults (a plain [default]) is listed as such, not as broken.
        const settings = new ProfileResolver(files).settingsOnly(name);
        if (settings) return { name, kind: 'settings' as const, source: settings.join(', ') };
        return { name, error: oneLine(error ?? 'does not resolve') };
      }
      const expires = expiration(files, source);
      return { name, kind: summary.kind, source: summary.source, ...(expires ? { expiration: expires } : {}) };
    });
  }

  /** The profile as assume shows it; an unknown name gets the three nearest ones in its error. */
  describe(file: ConfigCache, profileName: string): ProfileSummary {
    const { files, summary, error } = this.resolveFresh(file, profileName);
    if (error) throw error;
    if (!summary) throw this.unknown(file, files, profileName);
    return summary;
  }
}

function profileNames(files: ProfileFiles): string[] {
  return [...new Set([...files.config.profiles.keys(), ...files.credentials.keys()])];
}

/** The `[sso-session NAME]` section of `config` as a sign-in definition, or an error that says how to add it. */
export function sessionOf(config: AwsConfig, path: string, name: string, usedBy?: string): SsoSessionConfig {
  const section = config.ssoSessions.get(name);
  if (!section) {
    const by = usedBy ? ` (used by profile "${usedBy}")` : '';
    throw new ConfigError(`sso-session "${name}"${by} is not in ${path}; run: keyfob login --sso-session ${name} --start-url URL --sso-region REGION`);
  }
  return signInDefinition(section);
}

/** The SSO session at the root of a source tree, if any. */
function rootSession(source: ProfileSource): string {
  if (source.kind === 'sso') return source.ssoSession;
  return source.kind === 'chain' ? rootSession(source.source) : '';
}

/** A profile as clients see it: for a chain, its role; never a secret. */
function summaryOf(files: ProfileFiles, name: string, source: ProfileSource): ProfileSummary {
  const region = ({ ...files.config.profiles.get(name)?.values, ...files.credentials.get(name) }.region || undefined);
  const base = { name, ...(region ? { region } : {}), kind: source.kind };
  switch (source.kind) {
    case 'sso':
      return { ...base, ssoSession: source.ssoSession, accountId: source.accountId, roleName: source.roleName, source: `${source.ssoSession}/${source.accountId}/${source.roleName}` };
    case 'chain':
      return { ...base, ssoSession: rootSession(source), accountId: arnAccount(source.roleArn), roleName: roleNameOf(source.roleArn), source: source.source.kind === 'environment' ? 'environment' : source.source.profile };
    case 'iam-user':
      return { ...base, ssoSession: '', accountId: arnAccount(source.mfaSerial), roleName: '', source: 'keychain' };
    case 'static':
      return { ...base, ssoSession: '', accountId: '', roleName: '', source: source.file };
    case 'process':
      return { ...base, ssoSession: '', accountId: '', roleName: '', source: basename(splitCommandLine(source.command)[0] ?? '') };
    case 'environment':
      return { ...base, ssoSession: '', accountId: '', roleName: '', source: 'environment' };
  }
}
