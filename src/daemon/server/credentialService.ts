// Where credential_process gets its answer: the caller's config file → profile → (sso-session,
// account, role) → a cached provider that refreshes ahead of expiry → GetRoleCredentials with the
// session's token. Profiles come from the file each request names; credentials are shared by role.
import { resolveProfileSource, type AwsConfig, type ProfileSource } from '../../config/awsConfig.js';
import { nearestNames } from '../../config/nearestNames.js';
import { CachingProvider } from '../../credentials/cachingProvider.js';
import { SsoRoleProvider } from '../../credentials/ssoRoleProvider.js';
import { credentialProcessOutputOf, type CredentialProcessOutput } from '../../credentials/types.js';
import { ConfigError, NotSignedInError, UnknownProfileError } from '../../errors.js';
import { signInDefinition, type SsoSessionConfig } from '../../signin/types.js';
import { sdkIdentityCenter, type IdentityCenter } from '../../aws/identityCenter.js';
import type { Logger } from '../../signin/types.js';
import type { SessionManager } from '../../signin/sessions.js';
import type { AssumeAnswer, ProfileSummary } from '../protocol.js';
import type { ConfigCache } from './configCache.js';

interface CachedRole {
  provider: CachingProvider;
  ssoSession: string;
  accountId: string;
  roleName: string;
}

export interface CachedCredentialStatus {
  ssoSession: string;
  accountId: string;
  roleName: string;
  expiration: string;
}

export class CredentialService {
  /**
   * Keyed by the session's name and portal, account and role, so profiles that name the same
   * role share one cache, also across config files, and a same-named session elsewhere does not.
   */
  private readonly roles = new Map<string, CachedRole>();
  /** Keyed by the parsed config object, so a changed file means a fresh list. */
  private readonly summaries = new WeakMap<AwsConfig, ProfileSummary[]>();

  constructor(
    private readonly sessions: SessionManager,
    private readonly log: Logger,
    /** The IAM Identity Center calls (GetRoleCredentials); the AWS SDK unless a test injects a fake. */
    private readonly identityCenter: IdentityCenter = sdkIdentityCenter,
  ) {}

  /** The `[sso-session NAME]` section of the caller's config, or an error that says how to create it. */
  ssoSession(file: ConfigCache, name: string, usedBy?: string): SsoSessionConfig {
    const section = file.get().ssoSessions.get(name) ?? file.fresh().ssoSessions.get(name);
    if (!section) {
      const by = usedBy ? ` (used by profile "${usedBy}")` : '';
      throw new ConfigError(
        `sso-session "${name}"${by} is not in ${file.path}; run: keyfob login --sso-session ${name} --start-url URL --sso-region REGION`,
      );
    }
    return signInDefinition(section);
  }

  ssoSessionNames(file: ConfigCache): string[] {
    return [...file.get().ssoSessions.keys()];
  }

  /** Every profile keyfob can answer for, in file order; recomputed only when the config changes. */
  profiles(file: ConfigCache): ProfileSummary[] {
    const config = file.get();
    let summaries = this.summaries.get(config);
    if (!summaries) {
      summaries = [];
      for (const profile of config.profiles.values()) {
        try {
          const summary = summaryOf(profile.name, resolveProfileSource(profile));
          if (summary) summaries.push(summary);
        } catch {
          // not an IAM Identity Center profile (static keys, role_arn…): nothing keyfob can assume
        }
      }
      this.summaries.set(config, summaries);
    }
    return summaries;
  }

  /** The profile as assume shows it; an unknown name gets the three nearest ones in its error. */
  describe(file: ConfigCache, profileName: string): ProfileSummary {
    // A miss looks at the file again at once: the name may have been added within the stat window (configCache.ts).
    const profile = file.get().profiles.get(profileName) ?? file.fresh().profiles.get(profileName);
    if (!profile) this.unknown(file, profileName);
    const summary = summaryOf(profileName, resolveProfileSource(profile));
    if (!summary) throw this.legacyProfile(profileName);
    return summary;
  }

  /** What `assume` needs: the profile and its credentials, from one lookup. */
  async assume(file: ConfigCache, profileName: string): Promise<AssumeAnswer> {
    const profile = this.describe(file, profileName);
    return { profile, credentials: await this.credentialsFor(file, profile) };
  }

  private unknown(file: ConfigCache, profileName: string): never {
    throw new UnknownProfileError(profileName, file.path, nearestNames(profileName, this.profiles(file).map((p) => p.name)));
  }

  private legacyProfile(profileName: string): ConfigError {
    return new ConfigError(
      `profile "${profileName}" names sso_start_url itself; keyfob needs an [sso-session]: run keyfob login --start-url URL --sso-region REGION, then keyfob populate`,
    );
  }

  async forProfile(file: ConfigCache, profileName: string): Promise<CredentialProcessOutput> {
    return this.credentialsFor(file, this.describe(file, profileName));
  }

  private async credentialsFor(file: ConfigCache, source: ProfileSummary): Promise<CredentialProcessOutput> {
    const profileName = source.name;
    const session = this.ssoSession(file, source.ssoSession, profileName);
    const key = [session.name, session.startUrl, session.region, source.accountId, source.roleName].join('\u0000');
    let role = this.roles.get(key);
    if (!role) {
      const tokens = {
        accessToken: () => this.sessions.accessToken(session),
        tokenRejected: (token: string) => this.sessions.tokenRejected(session, token),
        signOut: async (reason: string): Promise<never> => {
          await this.sessions.signOut(session, reason);
          throw new NotSignedInError(session.name, 'the sign-in has ended for');
        },
      };
      const upstream = new SsoRoleProvider(session.region, source.accountId, source.roleName, tokens, this.identityCenter);
      const provider = new CachingProvider(upstream, (err) =>
        this.log.warn('background credential refresh failed', { profile: profileName, error: err.message }),
      );
      role = { provider, ssoSession: session.name, accountId: source.accountId, roleName: source.roleName };
      this.roles.set(key, role);
    }
    // The same object while the cache holds the same credentials: the router keeps its serialised answer.
    return credentialProcessOutputOf(await role.provider.retrieve());
  }

  /** After logout: no cached role credentials survive their session. */
  dropSession(name: string): void {
    for (const [key, role] of this.roles) {
      if (role.ssoSession !== name) continue;
      role.provider.clear();
      this.roles.delete(key);
    }
  }

  cached(): CachedCredentialStatus[] {
    const out: CachedCredentialStatus[] = [];
    for (const role of this.roles.values()) {
      const peek = role.provider.peek();
      if (peek) out.push({ ssoSession: role.ssoSession, accountId: role.accountId, roleName: role.roleName, expiration: new Date(peek.expiration).toISOString() });
    }
    return out;
  }

  close(): void {
    for (const role of this.roles.values()) role.provider.clear();
  }
}

/** A profile's IAM Identity Center source as clients see it; undefined for a legacy profile with no [sso-session]. */
function summaryOf(name: string, source: ProfileSource): ProfileSummary | undefined {
  if (!source.ssoSession) return undefined;
  return { name, ssoSession: source.ssoSession, accountId: source.accountId, roleName: source.roleName, region: source.region };
}
