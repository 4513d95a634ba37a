// Where credential_process gets its answer: the caller's config file (and shared credentials
// file) → the profile, resolved as botocore resolves it (config/profileResolver.ts) into a tree of
// sources → one cached link per source (credentials/: SsoRoleProvider with the session's token,
// AssumeRoleProvider, SessionTokenProvider for IAM user keys from the keychain, StaticProvider,
// SuppliedProcessProvider), each in a CachingProvider that refreshes ahead of expiry with one flight.
// Links are shared by everything that changes their answer (session, account, role, role ARN,
// session name, external id, duration, MFA device…), also across config files. The daemon never
// prompts: a link that needs an MFA code throws MfaRequiredError, and the code comes back from
// the client's terminal through POST /v1/mfa (MfaCodes). Nor does it start a program: another
// tool's credential_process runs in the client, which sends its output when the daemon asks
// (NeedsProcess, credentials/processOutput.ts), only when that link needs refreshing.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { AwsConfig } from '../../config/awsConfig.js';
import { nearestNames } from '../../config/nearestNames.js';
import { deriveSessionName } from '../../config/ssoSessions.js';
import { ProfileResolver, roleNameOf, type ChainSource, type ProfileFiles, type ProfileSource } from '../../config/profileResolver.js';
import { AssumeRoleProvider } from '../../credentials/assumeRoleProvider.js';
import { CachingProvider } from '../../credentials/cachingProvider.js';
import { MfaCodes, type MfaNeed } from '../../credentials/mfaCodes.js';
import { SuppliedProcessProvider } from '../../credentials/processOutput.js';
import { SessionTokenProvider } from '../../credentials/sessionTokenProvider.js';
import { SsoRoleProvider } from '../../credentials/ssoRoleProvider.js';
import { StaticProvider } from '../../credentials/staticProvider.js';
import { toCredentialProcessOutput, type CredentialProcessOutput, type CredentialProvider, type RoleCredentials } from '../../credentials/types.js';
import { ConfigError, KeyfobError, NoSessionForPortalError, NotSignedInError, oneLine, UnknownProfileError } from '../../core/errors.js';
import { signInDefinition, type SsoSessionConfig } from '../../signin/types.js';
import { sdkIdentityCenter, type IdentityCenter } from '../../signin/identityCenter.js';
import { arnAccount, sdkSts, type SigningKeys, type Sts } from '../../aws/sts.js';
import type { Logger } from '../../signin/types.js';
import type { SessionManager } from '../../signin/sessions.js';
import { IamUserKeys, type IamUserKeyPair } from '../../store/iamUserKeys.js';
import type { SecretStore } from '../../store/index.js';
import { splitCommandLine } from '../../core/shellWords.js';
import type { AssumeAnswer, ProfileListing, ProfileSummary } from '../protocol.js';
import type { ConfigCache } from './configCache.js';

/** STS limits a role assumed with another role's credentials (role chaining) to one hour. */
export const ROLE_CHAINING_LIMIT_SECONDS = 3600;
/** The region STS calls are signed for when the profile names none (STS's global endpoint). */
const DEFAULT_STS_REGION = 'us-east-1';

/** One cached link of a chain (or an SSO role): what it is, for status and for dropping. */
interface Link {
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

/** The key of keys: their id and a digest of the secret parts, never the secret itself. */
function keysKey(kind: string, keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): string {
  const digest = createHash('sha256').update(`${keys.secretAccessKey}\u0000${keys.sessionToken ?? ''}`).digest('hex');
  return [kind, keys.accessKeyId, digest].join('\u0000');
}

interface Resolved {
  source?: ProfileSource;
  summary?: ProfileSummary;
  error?: KeyfobError;
}

interface Built {
  link: Link;
  notes: string[];
}

export interface CredentialServiceOptions {
  /** STS (AssumeRole, GetSessionToken); the AWS SDK unless a test injects a fake. */
  sts?: Sts;
  /** Where `keyfob add` keeps IAM users' keys; without it, IAM user profiles say so. */
  store?: SecretStore;
}

export class CredentialService {
  /** Every cached link, keyed by everything that changes its answer. */
  private readonly links = new Map<string, Link>();
  /** Per parsed pair of files: each profile resolved once, and the links built for it. */
  private readonly resolved = new WeakMap<ProfileFiles, Map<string, Resolved>>();
  private readonly built = new WeakMap<ProfileFiles, Map<string, Built>>();
  private readonly summaries = new WeakMap<ProfileFiles, ProfileSummary[]>();
  readonly mfaCodes = new MfaCodes();
  private readonly sts: Sts;
  private readonly iamUserKeyStore?: IamUserKeys;

  constructor(
    private readonly sessions: SessionManager,
    private readonly log: Logger,
    /** The IAM Identity Center calls (GetRoleCredentials); the AWS SDK unless a test injects a fake. */
    private readonly identityCenter: IdentityCenter = sdkIdentityCenter,
    options: CredentialServiceOptions = {},
  ) {
    this.sts = options.sts ?? sdkSts;
    this.iamUserKeyStore = options.store && new IamUserKeys(options.store);
  }

  /** The `[sso-session NAME]` section of the caller's config, or an error that says how to create it. */
  ssoSession(file: ConfigCache, name: string, usedBy?: string): SsoSessionConfig {
    const config = file.get();
    // A miss looks at the file again at once: the name may have been added within the stat window (configCache.ts).
    return sessionOf(config.ssoSessions.has(name) ? config : file.fresh(), file.path, name, usedBy);
  }

  ssoSessionNames(file: ConfigCache): string[] {
    return [...file.get().ssoSessions.keys()];
  }

  private resolve(files: ProfileFiles, name: string): Resolved {
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
  private resolveFresh(file: ConfigCache, name: string): Resolved & { files: ProfileFiles } {
    let files = file.profileFiles();
    let resolved = this.resolve(files, name);
    if (!resolved.source && !resolved.error) {
      file.fresh();
      files = file.profileFiles();
      resolved = this.resolve(files, name);
    }
    return { files, ...resolved };
  }

  private profileNames(files: ProfileFiles): string[] {
    return [...new Set([...files.config.profiles.keys(), ...files.credentials.keys()])];
  }

  /** Every profile keyfob can answer for, in file order; recomputed only when a file changes. */
  profiles(file: ConfigCache): ProfileSummary[] {
    const files = file.profileFiles();
    let summaries = this.summaries.get(files);
    if (!summaries) {
      summaries = [];
      for (const name of this.profileNames(files)) {
        const summary = this.resolve(files, name).summary;
        if (summary) summaries.push(summary); // one that does not resolve is for `keyfob list` to explain
      }
      this.summaries.set(files, summaries);
    }
    return summaries;
  }

  /** `keyfob list`: every profile, with its kind, source and cached expiry, or why it does not resolve. */
  listing(file: ConfigCache): ProfileListing[] {
    const files = file.profileFiles();
    return this.profileNames(files).map((name) => {
      const { source, summary, error } = this.resolve(files, name);
      if (!summary || !source) {
        // A section that only sets defaults (a plain [default]) is listed as such, not as broken.
        const settings = new ProfileResolver(files).settingsOnly(name);
        if (settings) return { name, kind: 'settings' as const, source: settings.join(', ') };
        return { name, error: oneLine(error ?? 'does not resolve') };
      }
      // Links are keyed by what they are, not by file: this finds credentials cached before an edit
      // of the config, or fetched only as another profile's source. Building one fetches nothing.
      let peek: ReturnType<CachingProvider['peek']>;
      try {
        peek = this.topLink(files, source, {}).link.provider.peek();
      } catch {
        peek = undefined; // e.g. its sso-session is gone: the profile's own request says why
      }
      const expiration = peek && Number.isFinite(peek.expiration) ? new Date(peek.expiration).toISOString() : undefined;
      return { name, kind: summary.kind, source: summary.source, ...(expiration ? { expiration } : {}) };
    });
  }

  /** The profile as assume shows it; an unknown name gets the three nearest ones in its error. */
  describe(file: ConfigCache, profileName: string): ProfileSummary {
    const { files, summary, error } = this.resolveFresh(file, profileName);
    if (error) throw error;
    if (!summary) throw new UnknownProfileError(profileName, file.path, nearestNames(profileName, this.profileNames(files)));
    return summary;
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
    let resolved = this.resolveFresh(file, profileName);
    // A portal with no [sso-session]: after a restart the daemon reads a sign-in from the keychain
    // only by name; look under the name `keyfob login` gives that portal, then resolve once more.
    if (resolved.error instanceof NoSessionForPortalError && (await this.sessions.loadSignIn(portalSessionName(resolved.error.startUrl)))) {
      resolved = this.resolveFresh(file, profileName);
    }
    const { files, source, error } = resolved;
    if (error) throw error;
    if (!source) throw new UnknownProfileError(profileName, file.path, nearestNames(profileName, this.profileNames(files)));
    const { link, notes } = this.topLink(files, source, options);
    // Output a client ran for a link of this chain: used if that link needs it, else dropped.
    const supplied = options.process && this.suppliedLink(files, source, options.process);
    supplied?.supply(options.process!.credentials);
    try {
      // The same object while the cache holds the same credentials: the router keeps its serialised answer.
      return { credentials: toCredentialProcessOutput(await link.provider.retrieve()), notes };
    } finally {
      supplied?.withdraw(options.process!.credentials);
    }
  }

  /** The process link of `source`'s chain that the output is for: the same profile and the same line as this file says. */
  private suppliedLink(files: ProfileFiles, source: ProfileSource, output: NonNullable<CredentialOptions['process']>): SuppliedProcessProvider | undefined {
    for (let at: ProfileSource | undefined = source; at; at = at.kind === 'chain' ? at.source : undefined) {
      if (at.kind === 'process' && at.profile === output.profile && at.command === output.command) return this.links.get(processKey(at))?.supplied;
    }
    return undefined;
  }

  /** The cached top link of a profile: built once per files and duration, rebuilt when a link was dropped. */
  private topLink(files: ProfileFiles, source: ProfileSource, options: CredentialOptions): Built {
    let cache = this.built.get(files);
    if (!cache) this.built.set(files, (cache = new Map()));
    const memoKey = [source.profile, options.durationSeconds ?? '', options.environment ? keysKey('environment', options.environment) : ''].join('\u0000');
    const memo = cache.get(memoKey);
    if (memo && this.links.get(memo.link.key) === memo.link) return memo;
    const notes: string[] = [];
    const link = this.build(files, source, notes, options.durationSeconds, true, options.environment);
    for (const note of notes) this.log.info('note', { profile: source.profile, note });
    const built = { link, notes };
    cache.set(memoKey, built);
    return built;
  }

  /** The link for `key`, made by `make` the first time. */
  private link(key: string, make: () => Omit<Link, 'key' | 'provider'> & { inner: CredentialProvider; refreshAhead?: boolean }): Link {
    let link = this.links.get(key);
    if (!link) {
      const { inner, refreshAhead, ...rest } = make();
      const provider = new CachingProvider(
        inner,
        (err) => this.log.warn('background credential refresh failed', { profile: rest.profile, error: err.message }),
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
        const key = ['sso', session.name, session.startUrl, session.region, source.accountId, source.roleName].join('\u0000');
        return this.link(key, () => ({
          inner: new SsoRoleProvider(session.region, source.accountId, source.roleName, this.tokenSource(session), this.identityCenter, session.name),
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
        return this.link(keysKey('static', source), () => ({
          inner: new StaticProvider(source),
          kind: 'static',
          roleSession: false,
          profile: source.profile,
        }));
      }
      case 'process': {
        if (top && durationSeconds !== undefined) notes.push(`credential_process decides how long its credentials last; the duration asked for does not apply to profile ${source.profile}`);
        // Keyed by the profile's definition: its file, its name and its line.
        return this.link(processKey(source), () => {
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
        return this.link(keysKey('environment', environment), () => ({
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
    const key = ['assume', source.key, chain.roleArn, chain.roleSessionName, chain.externalId, durationSeconds, assumeMfa, chain.sourceIdentity].join('\u0000');
    return this.link(key, () => ({
      inner: new AssumeRoleProvider(source.provider, this.sts, {
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
    const owner = 'iamUser' in keys ? `iam-user\u0000${keys.iamUser}` : `static\u0000${keys.keys.accessKeyId}`;
    const key = ['session', owner, serial, durationSeconds].join('\u0000');
    const region = files.config.profiles.get(profile)?.values.region || DEFAULT_STS_REGION;
    return this.link(key, () => ({
      inner: new SessionTokenProvider('iamUser' in keys ? () => this.iamUserKeys(keys.iamUser) : async () => keys.keys, this.sts, {
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
    return { serial, profile, codes: this.mfaCodes };
  }

  private tokenSource(session: SsoSessionConfig) {
    return {
      accessToken: () => this.sessions.accessToken(session),
      tokenRejected: (token: string) => this.sessions.tokenRejected(session, token),
      signOut: async (reason: string): Promise<never> => {
        await this.sessions.signOut(session, reason);
        throw new NotSignedInError(session.name, 'the sign-in has ended for');
      },
    };
  }

  /**
   * POST /v1/mfa: the code the client's user typed for `mfaProfile`'s mfa_serial. It starts that
   * MFA session now, by answering for `forProfile` (the profile first asked for) with the code
   * waiting, so a wrong code fails here, on the request that carried it.
   */
  async submitMfaCode(file: ConfigCache, mfaProfile: string, code: string, forProfile = mfaProfile, options: CredentialOptions = {}): Promise<void> {
    const files = file.profileFiles();
    if (!new ProfileResolver(files).exists(mfaProfile)) this.describe(file, mfaProfile); // the unknown-profile error
    const serial = { ...files.config.profiles.get(mfaProfile)?.values, ...files.credentials.get(mfaProfile) }.mfa_serial;
    if (!serial) throw new ConfigError(`profile ${JSON.stringify(mfaProfile)} has no mfa_serial, so no MFA code goes with it; add mfa_serial = ARN of your MFA device`);
    this.mfaCodes.put(serial, code);
    await this.answer(file, forProfile, options);
  }

  /** The long-term keys `keyfob add` stored for an IAM user profile. */
  private async iamUserKeys(profile: string): Promise<SigningKeys> {
    const keys = await this.iamUserKeyStore?.get(profile);
    if (!keys) throw new KeyfobError('NoStoredKeys', `no access key is stored for profile ${JSON.stringify(profile)}; run: keyfob add ${profile}`, 404);
    return keys;
  }

  private keyStoreOrFail(): IamUserKeys {
    if (!this.iamUserKeyStore) throw new KeyfobError('KeychainUnavailable', 'this daemon has no secret store for IAM user keys; restart it: keyfob daemon stop', 503);
    return this.iamUserKeyStore;
  }

  /** `keyfob add`: the keys go to the secret store; links built on the old ones are dropped. */
  async storeIamUser(profile: string, keys: IamUserKeyPair, opts: { force?: boolean } = {}): Promise<void> {
    await this.keyStoreOrFail().put(profile, keys, opts);
    this.dropIamUser(profile);
  }

  /** `keyfob remove`: whether there were keys to delete. */
  async removeIamUser(profile: string): Promise<boolean> {
    const removed = await this.keyStoreOrFail().remove(profile);
    this.dropIamUser(profile);
    return removed;
  }

  /** The profiles whose keys are stored: names only. */
  async iamUsers(): Promise<string[]> {
    return (await this.iamUserKeyStore?.profiles()) ?? [];
  }

  private dropWhere(test: (link: Link) => boolean): void {
    for (const [key, link] of this.links) {
      if (!test(link)) continue;
      link.provider.clear();
      this.links.delete(key);
    }
  }

  /** After logout: no cached credentials survive their session, chains built on it included. */
  dropSession(name: string): void {
    this.dropWhere((link) => link.ssoSession === name);
  }

  /** After keyfob add or remove: nothing made from the old keys is served. */
  dropIamUser(profile: string): void {
    this.dropWhere((link) => link.iamUser === profile);
  }

  cached(): CachedCredentialStatus[] {
    const out: CachedCredentialStatus[] = [];
    for (const link of this.links.values()) {
      const peek = link.kind === 'sso' ? link.provider.peek() : undefined;
      if (peek) out.push({ ssoSession: link.ssoSession!, accountId: link.accountId!, roleName: link.roleName!, expiration: new Date(peek.expiration).toISOString(), ...refreshFailing(peek) });
    }
    return out;
  }

  /** Cached chains and IAM user sessions, for status: names and ARNs, never keys. */
  cachedChains(): CachedChainStatus[] {
    const out: CachedChainStatus[] = [];
    for (const link of this.links.values()) {
      if (link.kind !== 'chain' && link.kind !== 'session') continue;
      const peek = link.provider.peek();
      if (peek) out.push({ profile: link.profile, kind: link.kind, ...(link.roleArn ? { roleArn: link.roleArn } : {}), expiration: new Date(peek.expiration).toISOString(), ...refreshFailing(peek) });
    }
    return out;
  }

  close(): void {
    for (const link of this.links.values()) link.provider.clear();
  }
}

function processKey(source: { file: string; profile: string; command: string }): string {
  return ['process', source.file, source.profile, source.command].join('\u0000');
}

/** The session name `keyfob login --start-url URL` gives a portal, or '' for a URL it would refuse. */
function portalSessionName(startUrl: string): string {
  try {
    return deriveSessionName(startUrl);
  } catch {
    return '';
  }
}

function sessionOf(config: AwsConfig, path: string, name: string, usedBy?: string): SsoSessionConfig {
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
