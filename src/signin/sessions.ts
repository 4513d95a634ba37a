// Owns every SSO session's sign-in state: tokens and client registrations, kept in the
// secret store (OS keychain) and in memory, refreshed ahead of expiry, signed in once at a time.
import { LogoutCommand } from '@aws-sdk/client-sso';
import { ssoClient } from '../aws/clients.js';
import { refreshWindow } from '../credentials/cachingProvider.js';
import { SingleFlight } from '../credentials/singleFlight.js';
import { NotSignedInError } from '../errors.js';
import type { SecretStore } from '../store/index.js';
import { openInBrowser, type BrowserEnv } from './browser.js';
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
  registrations: Partial<Record<SignInMethod, ClientRegistration>>;
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
  listeners: Set<(prompt: SignInPrompt) => void>;
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
    // A token for another start URL or region (the section was edited) does not count.
    if (state.stored && (state.stored.startUrl !== session.startUrl || state.stored.region !== session.region)) {
      state.stored = { startUrl: session.startUrl, region: session.region, registrations: {} };
    }
    return state;
  }

  private async save(session: SsoSessionConfig, stored: StoredSignIn): Promise<void> {
    const state = this.state(session.name);
    state.stored = stored;
    state.loaded = true;
    await this.store.set(session.name, JSON.stringify(stored));
  }

  /** A valid access token, refreshed first when it is close to expiry. Never waits for a human. */
  async accessToken(session: SsoSessionConfig): Promise<string> {
    const state = await this.load(session);
    const token = state.stored?.token;
    if (!token) {
      throw new NotSignedInError(session.name, state.signedOutReason ? 'the sign-in has ended for' : 'not signed in to');
    }
    const now = Date.now();
    const window = refreshWindow(token.expiresAt - token.signedInAt, TOKEN_REFRESH_WINDOW_MS);
    if (token.expiresAt - now > window) return token.accessToken;
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
      const state = await this.load(session);
      const stored = state.stored!;
      const token = stored.token!;
      const reg = Object.values(stored.registrations).find((r) => r && r.expiresAt > Date.now());
      if (!reg) {
        await this.signOut(session, 'client registration expired');
        throw new NotSignedInError(session.name, 'the sign-in has ended for');
      }
      try {
        const refreshed = await refreshSsoToken(session, reg, token);
        await this.save(session, { ...stored, token: refreshed });
        this.scheduleRefresh(session);
        this.log.info('refreshed sso token', { session: session.name, expiresAt: new Date(refreshed.expiresAt).toISOString() });
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
    const window = refreshWindow(token.expiresAt - token.signedInAt, TOKEN_REFRESH_WINDOW_MS);
    const delay = Math.max(0, token.expiresAt - window - Date.now());
    state.refreshTimer = setTimeout(() => {
      this.accessToken(session).catch((err) => this.log.warn('background token refresh failed', { session: session.name, error: err.message }));
    }, delay);
    state.refreshTimer.unref();
  }

  /** The portal said 401: this token is no good. Try one refresh, else the session is signed out. */
  async tokenRejected(session: SsoSessionConfig, rejectedToken: string): Promise<string> {
    const state = await this.load(session);
    const token = state.stored?.token;
    if (!token) throw new NotSignedInError(session.name, 'the sign-in has ended for');
    if (token.accessToken !== rejectedToken) return token.accessToken; // someone already replaced it
    if (token.refreshToken) return (await this.refresh(session)).accessToken;
    await this.signOut(session, 'token rejected by the portal');
    throw new NotSignedInError(session.name, 'the sign-in has ended for');
  }

  /**
   * Run the browser or device sign-in. Concurrent callers for one session share a single
   * sign-in; each is shown the same prompt.
   */
  login(session: SsoSessionConfig, method: SignInMethod, browserEnv: BrowserEnv, onPrompt: (p: SignInPrompt) => void): Promise<SsoToken> {
    const pending = this.logins.get(session.name);
    if (pending) {
      if (pending.prompt) onPrompt(pending.prompt);
      else pending.listeners.add(onPrompt);
      return pending.promise;
    }
    const entry: PendingLogin = { promise: undefined as unknown as Promise<SsoToken>, listeners: new Set([onPrompt]) };
    const showPrompt = (prompt: SignInPrompt) => {
      entry.prompt = prompt;
      for (const listener of entry.listeners) listener(prompt);
      entry.listeners.clear();
      void openInBrowser(prompt.url, browserEnv);
    };
    entry.promise = this.runLogin(session, method, showPrompt).finally(() => this.logins.delete(session.name));
    this.logins.set(session.name, entry);
    return entry.promise;
  }

  private async runLogin(session: SsoSessionConfig, method: SignInMethod, onPrompt: (p: SignInPrompt) => void): Promise<SsoToken> {
    const state = await this.load(session);
    const stored: StoredSignIn = state.stored ?? { startUrl: session.startUrl, region: session.region, registrations: {} };
    const signIn = method === 'pkce' ? pkceSignIn : deviceSignIn;
    let token: SsoToken;
    for (let attempt = 1; ; attempt++) {
      let reg = stored.registrations[method];
      if (!registrationUsable(reg, session)) {
        reg = await registerClient(session, method);
        stored.registrations[method] = reg;
        await this.save(session, stored);
      }
      try {
        token = await signIn(session, reg, { onPrompt });
        break;
      } catch (err) {
        // The server forgot our client (expired or revoked): register once more.
        if (!(err instanceof RegistrationRejectedError) || attempt > 1) throw err;
        delete stored.registrations[method];
      }
    }
    await this.save(session, { ...stored, token });
    state.signedOutReason = undefined;
    this.scheduleRefresh(session);
    this.log.info('signed in', { session: session.name, method, expiresAt: new Date(token.expiresAt).toISOString() });
    return token;
  }

  /** Forget the token (keeping the client registration), so the next request says "run keyfob login". */
  async signOut(session: SsoSessionConfig, reason: string): Promise<void> {
    const state = await this.load(session);
    clearTimeout(state.refreshTimer);
    state.signedOutReason = reason;
    if (state.stored?.token) {
      const { token: _dropped, ...rest } = state.stored;
      await this.save(session, rest);
    }
    this.log.warn('session signed out', { session: session.name, reason });
  }

  /** Sign out upstream (best effort) and remove the token from the store. */
  async logout(session: SsoSessionConfig): Promise<boolean> {
    const state = await this.load(session);
    const token = state.stored?.token;
    if (token && token.expiresAt > Date.now()) {
      await ssoClient(session.region)
        .send(new LogoutCommand({ accessToken: token.accessToken }))
        .catch((err) => this.log.warn('portal logout failed', { session: session.name, error: (err as Error).name }));
    }
    clearTimeout(state.refreshTimer);
    await this.store.delete(session.name);
    this.states.delete(session.name);
    this.log.info('logged out', { session: session.name });
    return !!token;
  }

  async status(session: SsoSessionConfig): Promise<SessionStatus> {
    const state = await this.load(session).catch(() => this.state(session.name));
    const token = state.stored?.token;
    const signedIn = !!token && token.expiresAt > Date.now();
    return {
      name: session.name,
      startUrl: session.startUrl,
      region: session.region,
      signedIn,
      expiresAt: token ? new Date(token.expiresAt).toISOString() : undefined,
      canRefresh: !!token?.refreshToken,
      signInPending: this.logins.has(session.name),
      reason: signedIn ? undefined : state.signedOutReason,
    };
  }

  close(): void {
    for (const state of this.states.values()) clearTimeout(state.refreshTimer);
  }
}
