// The link graph: one cached link per source of a resolved profile tree (config/profileResolver.ts),
// each a provider from credentials/ in a CachingProvider that refreshes ahead of expiry with one
// flight. Links are keyed by what they are (credentials/linkKeys.ts), not by file, so they are
// shared by every profile and config file that asks for the same credentials, and a logout or
// `keyfob add` drops every link built on what changed.
import type { ChainSource, ProfileFiles, ProfileSource } from '../../config/profileResolver.js';
import { roleNameOf } from '../../config/profileResolver.js';
import { AssumeRoleProvider } from '../../credentials/assumeRoleProvider.js';
import { CachingProvider } from '../../credentials/cachingProvider.js';
import { assumeLinkKey, environmentLinkKey, processLinkKey, sessionLinkKey, ssoLinkKey, staticLinkKey, topLinkMemoKey } from '../../credentials/linkKeys.js';
import type { MfaCodes, MfaNeed } from '../../credentials/mfaCodes.js';
import { SuppliedProcessProvider } from '../../credentials/processOutput.js';
import { SessionTokenProvider } from '../../credentials/sessionTokenProvider.js';
import { SsoRoleProvider } from '../../credentials/ssoRoleProvider.js';
import { StaticProvider } from '../../credentials/staticProvider.js';
import type { CredentialProvider } from '../../credentials/types.js';
import { KeyfobError, NotSignedInError } from '../../core/errors.js';
import type { Logger, SsoSessionConfig } from '../../signin/types.js';
import type { IdentityCenter } from '../../signin/identityCenter.js';
import type { SessionManager } from '../../signin/sessions.js';
import { arnAccount, type SigningKeys, type Sts } from '../../aws/sts.js';
import { sessionOf } from './profileCatalogue.js';

/** STS limits a role assumed with another role's credentials (role chaining) to one hour. */
export const ROLE_CHAINING_LIMIT_SECONDS = 3600;
/** The region STS calls are signed for when the profile names none (STS's global endpoint). */
const DEFAULT_STS_REGION = 'us-east-1';

/** One cached link of a chain (or an SSO role): what it is, for status and for dropping. */
export interface Link {
  key: string;
  provider: CachingProvider;
  kind: 'sso' | 'chain' | 'session' | 'static' | 'process';
  /** The SSO session at the root of the chain, so logout drops every link built on it. */
  ssoSession?: string;
  /** The IAM user (keyfob add) at the root, so add/remove drops every link built on its keys. */
  iamUser?: string;
  /** Whether its credentials are a role session (SSO role or assumed role): roles chained from it are capped at one hour. */
  roleSession: boolean;
  accountId?: string;
  roleName?: string;
  roleArn?: string;
  profile: string;
  /** Another tool's credential_process: where the output a client sent goes. */
  supplied?: SuppliedProcessProvider;
}

/** A profile's top link, and the notes building it produced (e.g. a duration that does not apply). */
export interface Built {
  link: Link;
  notes: string[];
}

export interface LinkGraphDeps {
  sessions: SessionManager;
  log: Logger;
  identityCenter: IdentityCenter;
  sts: Sts;
  mfaCodes: MfaCodes;
  /** The long-term keys `keyfob add` stored for an IAM user profile. */
  iamUserKeys: (profile: string) => Promise<SigningKeys>;
}

export class LinkGraph {
  /** Every cached link, keyed by everything that changes its answer. */
  readonly links = new Map<string, Link>();
  /** Per parsed pair of files: the top links built for it. */
  private readonly built = new WeakMap<ProfileFiles, Map<string, Built>>();

  constructor(private readonly deps: LinkGraphDeps) {}

  /** The cached top link of a profile: built once per files and duration, rebuilt when a link was dropped. */
  topLink(files: ProfileFiles, source: ProfileSource, options: { durationSeconds?: number; environment?: SigningKeys }): Built {
    let cache = this.built.get(files);
    if (!cache) this.built.set(files, (cache = new Map()));
    const memoKey = topLinkMemoKey(source.profile, options.durationSeconds, options.environment);
    const memo = cache.get(memoKey);
    if (memo && this.links.get(memo.link.key) === memo.link) return memo;
    const notes: string[] = [];
    const link = this.build(files, source, notes, options.durationSeconds, true, options.environment);
    for (const note of notes) this.deps.log.info('note', { profile: source.profile, note });
    const built = { link, notes };
    cache.set(memoKey, built);
    return built;
  }

  /** The process link of `source`'s chain that a client's output is for: the same profile and the same line as this file says. */
  suppliedLink(source: ProfileSource, output: { profile: string; command: string }): SuppliedProcessProvider | undefined {
    for (let at: ProfileSource | undefined = source; at; at = at.kind === 'chain' ? at.source : undefined) {
      if (at.kind === 'process' && at.profile === output.profile && at.command === output.command) return this.links.get(processLinkKey(at))?.supplied;
    }
    return undefined;
  }

  /** The link for `key`, made by `make` the first time. */
  private link(key: string, make: () => Omit<Link, 'key' | 'provider'> & { inner: CredentialProvider; refreshAhead?: boolean }): Link {
    let link = this.links.get(key);
    if (!link) {
      const { inner, refreshAhead, ...rest } = make();
      const provider = new CachingProvider(
        inner,
        (err) => this.deps.log.warn('background credential refresh failed', { profile: rest.profile, error: err.message }),
        refreshAhead ?? true,
      );
      link = { key, provider, ...rest };
      this.links.set(key, link);
    }
    return link;
  }

  private build(files: ProfileFiles, source: ProfileSource, notes: string[], durationSeconds: number | undefined, top: boolean, environment?: SigningKeys): Link {
    switch (source.kind) {
      case 'sso': {
        if (top && durationSeconds !== undefined) {
          notes.push(`IAM Identity Center role credentials last as long as the permission set says; the duration asked for does not apply to profile ${source.profile}`);
        }
        const session = source.signedIn ?? sessionOf(files.config, files.configPath, source.ssoSession, source.profile);
        return this.link(ssoLinkKey(session, source.accountId, source.roleName), () => ({
          inner: new SsoRoleProvider(session.region, source.accountId, source.roleName, this.tokenSource(session), this.deps.identityCenter, session.name),
          kind: 'sso',
          ssoSession: session.name,
          roleSession: true,
          accountId: source.accountId,
          roleName: source.roleName,
          profile: source.profile,
        }));
      }
      case 'iam-user':
        return this.sessionLink(files, source.profile, { iamUser: source.profile }, source.mfaSerial, source.profile, top ? durationSeconds : undefined);
      case 'static': {
        if (top && durationSeconds !== undefined) notes.push(`static keys do not expire; the duration asked for does not apply to profile ${source.profile}`);
        return this.link(staticLinkKey(source), () => ({
          inner: new StaticProvider(source),
          kind: 'static',
          roleSession: false,
          profile: source.profile,
        }));
      }
      case 'process': {
        if (top && durationSeconds !== undefined) notes.push(`credential_process decides how long its credentials last; the duration asked for does not apply to profile ${source.profile}`);
        return this.link(processLinkKey(source), () => {
          const supplied = new SuppliedProcessProvider(source.profile);
          // Never refreshed in the background: only a client can run the program.
          return { inner: supplied, supplied, refreshAhead: false, kind: 'process', roleSession: false, profile: source.profile };
        });
      }
      case 'environment': {
        if (!environment) {
          throw new KeyfobError(
            'NeedsEnvironment',
            `profile "${source.profile}" takes its source keys from the environment (credential_source = Environment), and none came with the request; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY where you run it`,
            428,
          );
        }
        return this.link(environmentLinkKey(environment), () => ({
          inner: new StaticProvider(environment),
          kind: 'static',
          // With a session token they may be a role's: STS's one-hour cap for chaining then applies.
          roleSession: Boolean(environment.sessionToken),
          profile: source.profile,
        }));
      }
      case 'chain':
        return this.chainLink(files, source, notes, top ? durationSeconds : undefined, environment);
    }
  }

  /**
   * A role: its source's link, or, for an IAM user's keys (or static keys when the role needs
   * MFA), a session of them (GetSessionToken) keyed by the keys and the MFA device, so one code
   * serves every role chained from it and a role without MFA never shares one with a role that needs it.
   */
  private chainLink(files: ProfileFiles, chain: ChainSource, notes: string[], requested: number | undefined, environment?: SigningKeys): Link {
    const region = files.config.profiles.get(chain.profile)?.values.region || DEFAULT_STS_REGION;
    const from = chain.source;
    let source: Link;
    let assumeMfa: string | undefined;
    if (from.kind === 'iam-user') {
      const serial = chain.mfaSerial ?? from.mfaSerial;
      source = this.sessionLink(files, from.profile, { iamUser: from.profile }, serial, chain.mfaSerial ? chain.profile : from.profile, undefined);
    } else if (from.kind === 'static' && chain.mfaSerial) {
      source = this.sessionLink(files, from.profile, { keys: from }, chain.mfaSerial, chain.profile, undefined);
    } else {
      source = this.build(files, from, notes, undefined, false, environment);
      assumeMfa = chain.mfaSerial;
    }
    let durationSeconds = requested ?? chain.durationSeconds;
    if (source.roleSession && durationSeconds !== undefined && durationSeconds > ROLE_CHAINING_LIMIT_SECONDS) {
      notes.push(
        `profile ${chain.profile}: duration ${durationSeconds} s reduced to ${ROLE_CHAINING_LIMIT_SECONDS} s, STS's limit for a role assumed with another role's credentials (role chaining)`,
      );
      durationSeconds = ROLE_CHAINING_LIMIT_SECONDS;
    }
    return this.link(assumeLinkKey(source.key, chain, durationSeconds, assumeMfa), () => ({
      inner: new AssumeRoleProvider(source.provider, this.deps.sts, {
        profile: chain.profile,
        region,
        roleArn: chain.roleArn,
        ...(chain.roleSessionName ? { roleSessionName: chain.roleSessionName } : {}),
        ...(chain.externalId ? { externalId: chain.externalId } : {}),
        ...(durationSeconds !== undefined ? { durationSeconds } : {}),
        ...(chain.sourceIdentity ? { sourceIdentity: chain.sourceIdentity } : {}),
        ...(assumeMfa ? { mfa: this.mfaNeed(assumeMfa, chain.profile) } : {}),
      }),
      refreshAhead: !assumeMfa,
      kind: 'chain',
      ssoSession: source.ssoSession,
      iamUser: source.iamUser,
      roleSession: true,
      accountId: arnAccount(chain.roleArn),
      roleName: roleNameOf(chain.roleArn),
      roleArn: chain.roleArn,
      profile: chain.profile,
    }));
  }

  /** GetSessionToken over an IAM user's stored keys or static keys; with MFA when `serial` is set. */
  private sessionLink(
    files: ProfileFiles,
    profile: string,
    keys: { iamUser: string } | { keys: SigningKeys },
    serial: string | undefined,
    mfaProfile: string,
    durationSeconds: number | undefined,
  ): Link {
    const region = files.config.profiles.get(profile)?.values.region || DEFAULT_STS_REGION;
    return this.link(sessionLinkKey(keys, serial, durationSeconds), () => ({
      inner: new SessionTokenProvider('iamUser' in keys ? () => this.deps.iamUserKeys(keys.iamUser) : async () => keys.keys, this.deps.sts, {
        profile,
        region,
        ...(durationSeconds !== undefined ? { durationSeconds } : {}),
        ...(serial ? { mfa: this.mfaNeed(serial, mfaProfile), accountId: arnAccount(serial) } : {}),
      }),
      // Renewing an MFA session needs a person at a terminal: never in the background.
      refreshAhead: !serial,
      kind: 'session',
      ...('iamUser' in keys ? { iamUser: keys.iamUser } : {}),
      roleSession: false,
      accountId: serial ? arnAccount(serial) : undefined,
      profile,
    }));
  }

  private mfaNeed(serial: string, profile: string): MfaNeed {
    return { serial, profile, codes: this.deps.mfaCodes };
  }

  private tokenSource(session: SsoSessionConfig) {
    const { sessions } = this.deps;
    return {
      accessToken: () => sessions.accessToken(session),
      tokenRejected: (token: string) => sessions.tokenRejected(session, token),
      signOut: async (reason: string): Promise<never> => {
        await sessions.signOut(session, reason);
        throw new NotSignedInError(session.name, 'the sign-in has ended for');
      },
    };
  }

  /** Drops (and clears) every link `test` picks. */
  dropWhere(test: (link: Link) => boolean): void {
    for (const [key, link] of this.links) {
      if (!test(link)) continue;
      link.provider.clear();
      this.links.delete(key);
    }
  }

  close(): void {
    for (const link of this.links.values()) link.provider.clear();
  }
}
