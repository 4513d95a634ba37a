// Owns every SSO session's sign-in state: tokens and client registrations, kept in the
// secret store (OS keychain) and in memory, refreshed ahead of expiry, signed in once at a time.
import { LogoutCommand } from '@aws-sdk/client-sso';
import { ssoClient } from '../aws/clients.js';
import { refreshWindow } from '../credentials/cachingProvider.js';
import { SingleFlight } from '../credentials/singleFlight.js';
import { KeyfobError, NotSignedInError } from '../errors.js';
import type { SecretStore } from '../store/index.js';
import { defaultAwsCliCacheDir, readAwsCliToken, removeAwsCliToken, writeAwsCliToken } from './awsCliCache.js';
import { deviceSignIn } from './deviceFlow.js';
import { pkceSignIn } from './pkceFlow.js';
import { registerClient, registrationUsable } from './registration.js';
import { RefreshRejectedError, RegistrationRejectedError, refreshSsoToken } from './tokens.js';
import type { ClientRegistration, SignInMethod, SignInPrompt, SsoSessionConfig, SsoToken } from './types.js';

/** What the secret store holds per sso-session (one keychain entry each). */
interface StoredSignIn {
  startUrl: string;
  region: string;
  token?: SsoToken;
  /** The method whose client registration issued `token`: refresh tokens are bound to that client. */
  tokenMethod?: SignInMethod;
  /** Epoch ms when `token` itself was issued (signedInAt is the first sign-in, kept across refreshes). */
  tokenIssuedAt?: number;
  registrations: Partial<Record<SignInMethod, ClientRegistration>>;
  /** The user opted in to keeping the AWS CLI's token cache file current (`login --export-to-aws-cli`). */
  exportToAwsCli?: boolean;
}

export interface LoginOptions {
  /** true: write the AWS CLI's token cache and keep it current; false: stop and remove it; unset: keep the session's choice. */
  exportToAwsCli?: boolean;
}

interface SessionState {
  stored?: StoredSignIn;
  loaded: boolean;
  signedOutReason?: string;
  refreshTimer?: NodeJS.Timeout;
}

interface PendingLogin {
  promise: Promise<SsoToken>;
  prompt?: SignInPrompt;
  listeners: Set<(prompt: SignInPrompt, joined: boolean) => void>;
}

export interface SessionStatus {
  name: string;
  startUrl: string;
  region: string;
  signedIn: boolean;
  expiresAt?: string;
  canRefresh: boolean;
  signInPending: boolean;
  reason?: string;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Refresh an access token once it has less than this left (or half its life, if shorter). */
const TOKEN_REFRESH_WINDOW_MS = 10 * 60_000;

export class SessionManager {
  private readonly states = new Map<string, SessionState>();
  private readonly logins = new Map<string, PendingLogin>();
  private readonly refreshes = new SingleFlight<SsoToken>();

  constructor(
    private readonly store: SecretStore,
    private readonly log: Logger,
    /** Where the opt-in AWS CLI token cache goes: ~/.aws/sso/cache of the HOME the daemon sees. */
    private readonly awsCliCacheDir: string = defaultAwsCliCacheDir(),
  ) {}

  private state(name: string): SessionState {
    let state = this.states.get(name);
    if (!state) this.states.set(name, (state = { loaded: false }));
    return state;
  }

  private async load(session: SsoSessionConfig): Promise<SessionState> {
    const state = this.state(session.name);
    if (!state.loaded) {
      const raw = await this.store.get(session.name);
      state.stored = raw ? (JSON.parse(raw) as StoredSignIn) : undefined;
      state.loaded = true;
    }
    return state;
  }

  /**
   * The stored sign-in, if it is one for this definition. A sign-in to another start URL or region
   * (two configs naming one session differently, or a login in progress) is "not signed in" here,
   * and is left as it is: only a successful login replaces it.
   */
  private async signInFor(session: SsoSessionConfig): Promise<{ state: SessionState; stored?: StoredSignIn }> {
    const state = await this.load(session);
    return { state, stored: state.stored && sameDefinition(state.stored, session) ? state.stored : undefined };
  }

  private async save(session: SsoSessionConfig, stored: StoredSignIn): Promise<void> {
    const state = this.state(session.name);
    state.stored = stored;
    state.loaded = true;
    await this.store.set(session.name, JSON.stringify(stored));
  }

  /** Save `next` unless a login replaced `base` meanwhile (a refresh must not undo a new sign-in). */
  private async saveOver(session: SsoSessionConfig, base: StoredSignIn, next: StoredSignIn): Promise<boolean> {
    if (this.state(session.name).stored !== base) return false;
    await this.save(session, next);
    return true;
  }

  /** A valid access token, refreshed first when it is close to expiry. Never waits for a human. */
  async accessToken(session: SsoSessionConfig): Promise<string> {
    const { state, stored } = await this.signInFor(session);
    const token = stored?.token;
    if (!token) {
      throw new NotSignedInError(session.name, state.signedOutReason && stored ? 'the sign-in has ended for' : 'not signed in to');
    }
    const now = Date.now();
    if (token.expiresAt - now > tokenRefreshWindow(stored!)) return token.accessToken;
    if (token.refreshToken) {
      try {
        return (await this.refresh(session)).accessToken;
      } catch (err) {
        if (err instanceof NotSignedInError || token.expiresAt <= now) throw err;
        this.log.warn('token refresh failed; using the current token', { session: session.name, error: (err as Error).message });
        return token.accessToken;
      }
    }
    if (token.expiresAt > now) return token.accessToken;
    await this.signOut(session, 'token expired and cannot be refreshed');
    throw new NotSignedInError(session.name, 'the sign-in has ended for');
  }

  private refresh(session: SsoSessionConfig): Promise<SsoToken> {
    return this.refreshes.run(session.name, async () => {
      const { stored } = await this.signInFor(session);
      if (!stored?.token) throw new NotSignedInError(session.name, 'the sign-in has ended for'); // replaced meanwhile
      const reg = tokenRegistration(stored);
      if (!reg || reg.expiresAt <= Date.now()) {
        await this.signOut(session, 'client registration expired');
        throw new NotSignedInError(session.name, 'the sign-in has ended for');
      }
      const token = (await this.adoptAwsCliRefresh(session, stored, reg)) ?? stored.token!;
      let base = stored;
      if (token !== stored.token) {
        const adopted: StoredSignIn = { ...stored, token, tokenIssuedAt: Date.now() };
        if (await this.saveOver(session, stored, adopted)) base = adopted;
        if (token.expiresAt - Date.now() > tokenRefreshWindow(adopted)) {
          this.scheduleRefresh(session);
          this.log.info('adopted the token the AWS CLI refreshed', { session: session.name, expiresAt: new Date(token.expiresAt).toISOString() });
          return token;
        }
      }
      try {
        const refreshed = await refreshSsoToken(session, reg, token);
        const updated: StoredSignIn = { ...stored, token: refreshed, tokenIssuedAt: Date.now() };
        if (!(await this.saveOver(session, base, updated))) return refreshed;
        this.scheduleRefresh(session);
        this.log.info('refreshed sso token', { session: session.name, expiresAt: new Date(refreshed.expiresAt).toISOString() });
        await this.exportToAwsCli(session, updated).catch((err) =>
          this.log.warn('updating the AWS CLI token cache failed', { session: session.name, error: (err as Error).message }),
        );
        return refreshed;
      } catch (err) {
        if (err instanceof RefreshRejectedError) {
          await this.signOut(session, `refresh rejected (${err.message})`);
          throw new NotSignedInError(session.name, 'the sign-in has ended for');
        }
        throw err;
      }
    });
  }

  /** Refresh the token in the background shortly before it enters the refresh window. */
  private scheduleRefresh(session: SsoSessionConfig): void {
    const state = this.state(session.name);
    clearTimeout(state.refreshTimer);
    const token = state.stored?.token;
    if (!token?.refreshToken) return;
    const dueAt = token.expiresAt - tokenRefreshWindow(state.stored!);
    // A timer may wake a little before Date.now() says it is due; accessToken() would then hand
    // back the current token and nothing would refresh it: so wake a moment late, and re-arm if early.
    state.refreshTimer = setTimeout(() => {
      if (this.state(session.name).stored?.token === token && Date.now() < dueAt) return this.scheduleRefresh(session);
      this.accessToken(session).catch((err) => this.log.warn('background token refresh failed', { session: session.name, error: err.message }));
    }, Math.max(0, dueAt - Date.now()) + 20);
    state.refreshTimer.unref();
  }

  /** The portal said 401: this token is no good. Try one refresh, else the session is signed out. */
  async tokenRejected(session: SsoSessionConfig, rejectedToken: string): Promise<string> {
    const token = (await this.signInFor(session)).stored?.token;
    if (!token) throw new NotSignedInError(session.name, 'the sign-in has ended for');
    if (token.accessToken !== rejectedToken) return token.accessToken; // someone already replaced it
    if (token.refreshToken) return (await this.refresh(session)).accessToken;
    await this.signOut(session, 'token rejected by the portal');
    throw new NotSignedInError(session.name, 'the sign-in has ended for');
  }

  /**
   * Run the browser or device sign-in for exactly this definition (which need not be in any
   * config yet). Concurrent callers for one definition share a single sign-in, and each is shown
   * its prompt; `joined` tells the later ones that someone else's sign-in is already showing it.
   * The daemon never opens a browser: the client, running as the user, does.
   */
  async login(
    session: SsoSessionConfig,
    method: SignInMethod,
    onPrompt: (p: SignInPrompt, joined: boolean) => void,
    options: LoginOptions = {},
  ): Promise<SsoToken> {
    const token = await this.signIn(session, method, onPrompt);
    // Each caller's own choice applies, also when it joined someone else's sign-in.
    if (options.exportToAwsCli !== undefined) await this.setAwsCliExport(session, options.exportToAwsCli);
    return token;
  }

  private signIn(session: SsoSessionConfig, method: SignInMethod, onPrompt: (p: SignInPrompt, joined: boolean) => void): Promise<SsoToken> {
    const key = loginKey(session);
    const pending = this.logins.get(key);
    if (pending) {
      if (pending.prompt) onPrompt(pending.prompt, true);
      else pending.listeners.add((prompt) => onPrompt(prompt, true));
      return pending.promise;
    }
    const entry: PendingLogin = { promise: undefined as unknown as Promise<SsoToken>, listeners: new Set([onPrompt]) };
    const showPrompt = (prompt: SignInPrompt) => {
      entry.prompt = prompt;
      for (const listener of entry.listeners) listener(prompt, false);
      entry.listeners.clear();
    };
    entry.promise = this.runLogin(session, method, showPrompt).finally(() => this.logins.delete(key));
    this.logins.set(key, entry);
    return entry.promise;
  }

  /**
   * The sign-in works on a record in memory and saves it only once it has a token, so a failed
   * sign-in (a mistyped start URL, a denial) leaves the stored one exactly as it was.
   */
  private async runLogin(session: SsoSessionConfig, method: SignInMethod, onPrompt: (p: SignInPrompt) => void): Promise<SsoToken> {
    const { state, stored: current } = await this.signInFor(session);
    const previous = state.stored;
    const draft: StoredSignIn = current
      ? { ...current, registrations: { ...current.registrations } }
      : { startUrl: session.startUrl, region: session.region, registrations: {}, exportToAwsCli: previous?.exportToAwsCli };
    // The keychain must take a write before a token is asked for: a locked one fails here, not
    // after the user has signed in. (The probe writes its own entry, not this session's.)
    await this.store.probe();
    const signIn = method === 'pkce' ? pkceSignIn : deviceSignIn;
    let token: SsoToken;
    for (let attempt = 1; ; attempt++) {
      let reg = draft.registrations[method];
      if (!registrationUsable(reg, session)) {
        reg = await registerClient(session, method);
        draft.registrations[method] = reg;
      }
      try {
        token = await signIn(session, reg, { onPrompt });
        break;
      } catch (err) {
        // The server forgot our client (expired or revoked): register once more.
        if (!(err instanceof RegistrationRejectedError) || attempt > 1) throw err;
        delete draft.registrations[method];
      }
    }
    const signedIn: StoredSignIn = { ...draft, token, tokenMethod: method, tokenIssuedAt: Date.now() };
    await this.save(session, signedIn);
    state.signedOutReason = undefined;
    this.scheduleRefresh(session);
    this.log.info('signed in', { session: session.name, method, expiresAt: new Date(token.expiresAt).toISOString() });
    if (previous && previous !== current) {
      // This replaced a sign-in to another start URL: its AWS CLI token file goes with it.
      await this.removeExportedToken(session, previous).catch((err) =>
        this.log.warn('removing the AWS CLI token cache failed', { session: session.name, error: (err as Error).message }),
      );
    }
    await this.exportToAwsCli(session, signedIn).catch((err) => {
      throw new KeyfobError('AwsCliExportFailed', `signed in, but writing the AWS CLI token cache failed: ${(err as Error).message}`, 500);
    });
    return token;
  }

  /** Turn the AWS CLI token cache on (write it now) or off (remove it); remembered with the sign-in. */
  private async setAwsCliExport(session: SsoSessionConfig, on: boolean): Promise<void> {
    const { stored: current } = await this.signInFor(session);
    // Already so (the sign-in itself wrote the file), or a concurrent login to another URL replaced this one.
    if (!current || current.exportToAwsCli === on) return;
    const stored: StoredSignIn = { ...current, exportToAwsCli: on };
    await this.save(session, stored);
    try {
      if (on) await this.exportToAwsCli(session, stored);
      else if (await this.removeExportedToken(session, stored)) this.log.info('removed the AWS CLI token cache', { session: session.name });
    } catch (err) {
      throw new KeyfobError('AwsCliExportFailed', `signed in, but ${on ? 'writing' : 'removing'} the AWS CLI token cache failed: ${(err as Error).message}`, 500);
    }
  }

  /** Writes the current token to the AWS CLI's cache when the user opted in. */
  private async exportToAwsCli(session: SsoSessionConfig, stored: StoredSignIn): Promise<void> {
    const reg = tokenRegistration(stored);
    if (!stored.exportToAwsCli || !stored.token || !reg) return;
    await writeAwsCliToken(this.awsCliCacheDir, session, stored.token, reg);
    this.log.info('wrote the AWS CLI token cache', { session: session.name });
  }

  /**
   * Removes the AWS CLI's cache file, but only one keyfob wrote (its client id is one of ours):
   * a file from the user's own `aws sso login` is left alone.
   */
  private async removeExportedToken(session: SsoSessionConfig, stored: StoredSignIn | undefined): Promise<boolean> {
    const cached = await readAwsCliToken(this.awsCliCacheDir, session.name);
    if (!cached?.clientId || !Object.values(stored?.registrations ?? {}).some((r) => r?.clientId === cached.clientId)) return false;
    return removeAwsCliToken(this.awsCliCacheDir, session.name);
  }

  /**
   * The AWS CLI refreshes the exported token itself (it has the refresh token), and a server may
   * rotate refresh tokens: before refreshing, take over a newer token it left in the file.
   */
  private async adoptAwsCliRefresh(session: SsoSessionConfig, stored: StoredSignIn, reg: ClientRegistration): Promise<SsoToken | undefined> {
    const token = stored.token;
    if (!stored.exportToAwsCli || !token) return undefined;
    const cached = await readAwsCliToken(this.awsCliCacheDir, session.name);
    if (!cached || cached.clientId !== reg.clientId || cached.startUrl !== session.startUrl || cached.accessToken === token.accessToken) return undefined;
    const expiresAt = Date.parse(cached.expiresAt);
    // Our own writes round down to the second, so only a strictly later expiry is the CLI's refresh.
    if (!(expiresAt > token.expiresAt)) return undefined;
    return { accessToken: cached.accessToken, expiresAt, refreshToken: cached.refreshToken ?? token.refreshToken, signedInAt: token.signedInAt };
  }

  /** Forget the token (keeping the client registration), so the next request says "run keyfob login". */
  async signOut(session: SsoSessionConfig, reason: string): Promise<void> {
    const { state, stored } = await this.signInFor(session);
    if (!stored) return; // a sign-in to another definition is not this one's to end
    clearTimeout(state.refreshTimer);
    state.signedOutReason = reason;
    if (stored.token) {
      const { token: _dropped, tokenMethod: _method, tokenIssuedAt: _issued, ...rest } = stored;
      await this.save(session, rest);
    }
    // A dead token is no use to the AWS CLI either; the opt-in stays for the next sign-in.
    await this.removeExportedToken(session, stored).catch((err) =>
      this.log.warn('removing the AWS CLI token cache failed', { session: session.name, error: (err as Error).message }),
    );
    this.log.warn('session signed out', { session: session.name, reason });
  }

  /** Sign out upstream (best effort) and remove the sign-in from the store; only one for this definition. */
  async logout(session: SsoSessionConfig): Promise<boolean> {
    const { state, stored } = await this.signInFor(session);
    if (!stored) return false;
    const token = stored.token;
    if (token && token.expiresAt > Date.now()) {
      await ssoClient(session.region)
        .send(new LogoutCommand({ accessToken: token.accessToken }))
        .catch((err) => this.log.warn('portal logout failed', { session: session.name, error: (err as Error).name }));
    }
    clearTimeout(state.refreshTimer);
    await this.removeExportedToken(session, stored);
    await this.store.delete(session.name);
    this.states.delete(session.name);
    this.log.info('logged out', { session: session.name });
    return !!token;
  }

  async status(session: SsoSessionConfig): Promise<SessionStatus> {
    const { state, stored } = await this.signInFor(session).catch(() => ({ state: this.state(session.name), stored: undefined }));
    const token = stored?.token;
    const signedIn = !!token && token.expiresAt > Date.now();
    const other = state.stored?.token && !stored ? `signed in to another start URL or region (${state.stored.startUrl}, ${state.stored.region})` : undefined;
    return {
      name: session.name,
      startUrl: session.startUrl,
      region: session.region,
      signedIn,
      expiresAt: token ? new Date(token.expiresAt).toISOString() : undefined,
      canRefresh: !!token?.refreshToken,
      signInPending: this.logins.has(loginKey(session)),
      reason: signedIn ? undefined : (other ?? state.signedOutReason),
    };
  }

  close(): void {
    for (const state of this.states.values()) clearTimeout(state.refreshTimer);
  }
}

function sameDefinition(stored: StoredSignIn, session: SsoSessionConfig): boolean {
  return stored.startUrl === session.startUrl && stored.region === session.region;
}

/** Logins join only a sign-in to the same definition: a session name alone may mean two portals. */
function loginKey(session: SsoSessionConfig): string {
  return [session.name, session.startUrl, session.region, session.scopes.join(' ')].join('\u0000');
}

/** The client registration that issued the current token (records from before tokenMethod: any live one). */
function tokenRegistration(stored: StoredSignIn): ClientRegistration | undefined {
  if (stored.tokenMethod) return stored.registrations[stored.tokenMethod];
  return Object.values(stored.registrations).find((r) => r && r.expiresAt > Date.now());
}

/**
 * How long before expiry the token counts as stale: the window, or half of this token's own life.
 * (Measured from the first sign-in, short tokens would soon be "stale" the moment they are issued.)
 */
function tokenRefreshWindow(stored: StoredSignIn): number {
  const token = stored.token!;
  return refreshWindow(token.expiresAt - (stored.tokenIssuedAt ?? token.signedInAt), TOKEN_REFRESH_WINDOW_MS);
}
