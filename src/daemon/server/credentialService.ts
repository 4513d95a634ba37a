// Where credential_process gets its answer: the caller's config file (and shared credentials
// file) → the profile, resolved as botocore resolves it (config/profileResolver.ts) into a tree of
// sources, once per parse of the files (profileCatalogue.ts) → one cached link per source
// (linkGraph.ts, keyed by credentials/linkKeys.ts; the providers are credentials/: SsoRoleProvider
// with the session's token, AssumeRoleProvider, SessionTokenProvider for IAM user keys from the
// keychain, StaticProvider, SuppliedProcessProvider), each in a CachingProvider that refreshes
// ahead of expiry with one flight. Links are shared by everything that changes their answer
// (session, account, role, role ARN, session name, external id, duration, MFA device…), also
// across config files. The daemon never prompts: a link that needs an MFA code throws
// MfaRequiredError, and the code comes back from the client's terminal through POST /v1/mfa
// (iamUserService.ts, which also keeps IAM users' keys). Nor does it start a program: another
// tool's credential_process runs in the client, which sends its output when the daemon asks
// (NeedsProcess, credentials/processOutput.ts), only when that link needs refreshing.
// This file is the façade the router uses: it joins those rooms and holds no cache of its own.
import { deriveSessionName } from '../../config/ssoSessions.js';
import { ProfileResolver } from '../../config/profileResolver.js';
import type { CachingProvider } from '../../credentials/cachingProvider.js';
import type { MfaCodes } from '../../credentials/mfaCodes.js';
import { toCredentialProcessOutput, type CredentialProcessOutput, type RoleCredentials } from '../../credentials/types.js';
import { NoSessionForPortalError } from '../../core/errors.js';
import type { Logger, SsoSessionConfig } from '../../signin/types.js';
import { sdkIdentityCenter, type IdentityCenter } from '../../signin/identityCenter.js';
import { sdkSts, type SigningKeys, type Sts } from '../../aws/sts.js';
import type { SessionManager } from '../../signin/sessions.js';
import type { IamUserKeyPair } from '../../store/iamUserKeys.js';
import type { SecretStore } from '../../store/index.js';
import type { AssumeAnswer, ProfileListing, ProfileSummary } from '../protocol.js';
import type { ConfigCache } from './configCache.js';
import { IamUserService } from './iamUserService.js';
import { LinkGraph } from './linkGraph.js';
import { ProfileCatalogue } from './profileCatalogue.js';

export { ROLE_CHAINING_LIMIT_SECONDS } from './linkGraph.js';

export interface CachedCredentialStatus {
  ssoSession: string;
  accountId: string;
  roleName: string;
  expiration: string;
  /** Their refresh fails (an outage) while they are served (ISO times). */
  refreshFailing?: { since: string; error: string; until: string };
}

function refreshFailing(peek: ReturnType<CachingProvider['peek']>): Pick<CachedCredentialStatus, 'refreshFailing'> {
  const f = peek?.refreshFailing;
  return f ? { refreshFailing: { since: new Date(f.since).toISOString(), error: f.error, until: new Date(f.servedUntil).toISOString() } } : {};
}

export interface CachedChainStatus {
  profile: string;
  /** The role (chain), or the IAM user's session. */
  roleArn?: string;
  kind: 'chain' | 'session';
  expiration: string;
  refreshFailing?: CachedCredentialStatus['refreshFailing'];
}

export interface CredentialOptions {
  /** `duration=` of the request: the top link's AssumeRole (or GetSessionToken) DurationSeconds. */
  durationSeconds?: number;
  /** The asking client's AWS_ACCESS_KEY_ID… for `credential_source = Environment`; sent only when asked for. */
  environment?: SigningKeys;
  /** The output of `profile`'s credential_process (the line `command`), which the client ran after a NeedsProcess answer. */
  process?: { profile: string; command: string; credentials: RoleCredentials };
}

export interface CredentialServiceOptions {
  /** STS (AssumeRole, GetSessionToken); the AWS SDK unless a test injects a fake. */
  sts?: Sts;
  /** Where `keyfob add` keeps IAM users' keys; without it, IAM user profiles say so. */
  store?: SecretStore;
}

export class CredentialService {
  private readonly catalogue: ProfileCatalogue;
  private readonly graph: LinkGraph;
  private readonly iamUserService: IamUserService;
  readonly mfaCodes: MfaCodes;

  constructor(
    private readonly sessions: SessionManager,
    log: Logger,
    /** The IAM Identity Center calls (GetRoleCredentials); the AWS SDK unless a test injects a fake. */
    identityCenter: IdentityCenter = sdkIdentityCenter,
    options: CredentialServiceOptions = {},
  ) {
    this.catalogue = new ProfileCatalogue(sessions);
    this.iamUserService = new IamUserService(options.store, (profile) => this.dropIamUser(profile));
    this.mfaCodes = this.iamUserService.mfaCodes;
    this.graph = new LinkGraph({
      sessions,
      log,
      identityCenter,
      sts: options.sts ?? sdkSts,
      mfaCodes: this.mfaCodes,
      iamUserKeys: (profile) => this.iamUserService.keys(profile),
    });
  }

  /** The `[sso-session NAME]` section of the caller's config, or an error that says how to create it. */
  ssoSession(file: ConfigCache, name: string, usedBy?: string): SsoSessionConfig {
    return this.catalogue.ssoSession(file, name, usedBy);
  }

  ssoSessionNames(file: ConfigCache): string[] {
    return this.catalogue.ssoSessionNames(file);
  }

  /** Every profile keyfob can answer for, in file order; recomputed only when a file changes. */
  profiles(file: ConfigCache): ProfileSummary[] {
    return this.catalogue.profiles(file);
  }

  /** `keyfob list`: every profile, with its kind, source and cached expiry, or why it does not resolve. */
  listing(file: ConfigCache): ProfileListing[] {
    return this.catalogue.listing(file, (files, source) => {
      // Links are keyed by what they are, not by file: this finds credentials cached before an edit
      // of the config, or fetched only as another profile's source. Building one fetches nothing.
      let peek: ReturnType<CachingProvider['peek']>;
      try {
        peek = this.graph.topLink(files, source, {}).link.provider.peek();
      } catch {
        peek = undefined; // e.g. its sso-session is gone: the profile's own request says why
      }
      return peek && Number.isFinite(peek.expiration) ? new Date(peek.expiration).toISOString() : undefined;
    });
  }

  /** The profile as assume shows it; an unknown name gets the three nearest ones in its error. */
  describe(file: ConfigCache, profileName: string): ProfileSummary {
    return this.catalogue.describe(file, profileName);
  }

  /** What `assume` needs: the profile and its credentials, from one lookup, with a note when the duration was changed. */
  async assume(file: ConfigCache, profileName: string, options: CredentialOptions = {}): Promise<AssumeAnswer> {
    const { credentials, notes } = await this.answer(file, profileName, options);
    const profile = this.describe(file, profileName);
    return { profile, credentials, ...(notes.length ? { note: notes.join('; ') } : {}) };
  }

  async forProfile(file: ConfigCache, profileName: string, options: CredentialOptions = {}): Promise<CredentialProcessOutput> {
    return (await this.answer(file, profileName, options)).credentials;
  }

  private async answer(file: ConfigCache, profileName: string, options: CredentialOptions): Promise<{ credentials: CredentialProcessOutput; notes: string[] }> {
    let resolved = this.catalogue.resolveFresh(file, profileName);
    // A portal with no [sso-session]: after a restart the daemon reads a sign-in from the keychain
    // only by name; look under the name `keyfob login` gives that portal, then resolve once more.
    if (resolved.error instanceof NoSessionForPortalError && (await this.sessions.loadSignIn(portalSessionName(resolved.error.startUrl)))) {
      resolved = this.catalogue.resolveFresh(file, profileName);
    }
    const { files, source, error } = resolved;
    if (error) throw error;
    if (!source) throw this.catalogue.unknown(file, files, profileName);
    const { link, notes } = this.graph.topLink(files, source, options);
    // Output a client ran for a link of this chain: used if that link needs it, else dropped.
    const supplied = options.process && this.graph.suppliedLink(source, options.process);
    supplied?.supply(options.process!.credentials);
    try {
      // The same object while the cache holds the same credentials: the router keeps its serialised answer.
      return { credentials: toCredentialProcessOutput(await link.provider.retrieve()), notes };
    } finally {
      supplied?.withdraw(options.process!.credentials);
    }
  }

  /**
   * POST /v1/mfa: the code the client's user typed for `mfaProfile`'s mfa_serial. It starts that
   * MFA session now, by answering for `forProfile` (the profile first asked for) with the code
   * waiting, so a wrong code fails here, on the request that carried it.
   */
  async submitMfaCode(file: ConfigCache, mfaProfile: string, code: string, forProfile = mfaProfile, options: CredentialOptions = {}): Promise<void> {
    const files = file.profileFiles();
    if (!new ProfileResolver(files).exists(mfaProfile)) this.describe(file, mfaProfile); // the unknown-profile error
    this.iamUserService.putMfaCode(files, mfaProfile, code);
    await this.answer(file, forProfile, options);
  }

  /** `keyfob add`: the keys go to the secret store; links built on the old ones are dropped. */
  storeIamUser(profile: string, keys: IamUserKeyPair, opts: { force?: boolean } = {}): Promise<void> {
    return this.iamUserService.store(profile, keys, opts);
  }

  /** `keyfob remove`: whether there were keys to delete. */
  removeIamUser(profile: string): Promise<boolean> {
    return this.iamUserService.remove(profile);
  }

  /** The profiles whose keys are stored: names only. */
  iamUsers(): Promise<string[]> {
    return this.iamUserService.profiles();
  }

  /** After logout: no cached credentials survive their session, chains built on it included. */
  dropSession(name: string): void {
    this.graph.dropWhere((link) => link.ssoSession === name);
  }

  /** After keyfob add or remove: nothing made from the old keys is served. */
  dropIamUser(profile: string): void {
    this.graph.dropWhere((link) => link.iamUser === profile);
  }

  cached(): CachedCredentialStatus[] {
    const out: CachedCredentialStatus[] = [];
    for (const link of this.graph.links.values()) {
      const peek = link.kind === 'sso' ? link.provider.peek() : undefined;
      if (peek) out.push({ ssoSession: link.ssoSession!, accountId: link.accountId!, roleName: link.roleName!, expiration: new Date(peek.expiration).toISOString(), ...refreshFailing(peek) });
    }
    return out;
  }

  /** Cached chains and IAM user sessions, for status: names and ARNs, never keys. */
  cachedChains(): CachedChainStatus[] {
    const out: CachedChainStatus[] = [];
    for (const link of this.graph.links.values()) {
      if (link.kind !== 'chain' && link.kind !== 'session') continue;
      const peek = link.provider.peek();
      if (peek) out.push({ profile: link.profile, kind: link.kind, ...(link.roleArn ? { roleArn: link.roleArn } : {}), expiration: new Date(peek.expiration).toISOString(), ...refreshFailing(peek) });
    }
    return out;
  }

  close(): void {
    this.graph.close();
  }
}

/** The session name `keyfob login --start-url URL` gives a portal, or '' for a URL it would refuse. */
function portalSessionName(startUrl: string): string {
  try {
    return deriveSessionName(startUrl);
  } catch {
    return '';
  }
}
