// Owns every SSO session's sign-in state: the token, refreshed ahead of expiry (one refresh at a
// time: refresh tokens rotate, so a second concurrent refresh would be refused), and the sign-in,
// one at a time per definition. The records live in the secret store (signInStore.ts); the opt-in
// AWS CLI token cache is awsCliExport.ts; the calls to IAM Identity Center go through IdentityCenter.
// One room over 300 lines: the token, its refresh and the sign-in share one state per session (one
// refresh at a time; a sign-in replaces the token a refresh may be writing), so the class that
// orders them stays one; what could leave (the records, the export, the upstream calls) has left.
import { sdkIdentityCenter, type IdentityCenter } from './identityCenter.js';
import { refreshWindow } from '../core/refreshWindow.js';
import { SingleFlight } from '../core/singleFlight.js';
import { KeyfobError, NotSignedInError, oneLine } from '../core/errors.js';
import type { SecretStore } from '../store/index.js';
import { defaultAwsCliCacheDir } from './awsCliCache.js';
import { AwsCliExport } from './awsCliExport.js';
import { registrationUsable } from './registration.js';
import { sameDefinition, SignInStore, tokenRegistration, type StoredSignIn } from './signInStore.js';
import { RefreshRejectedError, RegistrationRejectedError } from './tokens.js';
import { DEFAULT_SCOPES, type Logger, type SignInMethod, type SignInPrompt, type SsoSessionConfig, type SsoToken } from './types.js';

export type { Logger } from './types.js';

export interface LoginOptions {
  /** true: write the AWS CLI's token cache and keep it current; false: stop and remove it; unset: keep the session's choice. */
  exportToAwsCli?: boolean;
  /** Aborted when this caller stops waiting (its client went away); the sign-in stops once no caller waits. */
  signal?: AbortSignal;
}

export interface SessionManagerOptions {
  /** Where the opt-in AWS CLI token cache goes: ~/.aws/sso/cache of the HOME the daemon sees. */
  awsCliCacheDir?: string;
  /** The IAM Identity Center calls; the AWS SDK unless a test injects a fake. */
  identityCenter?: IdentityCenter;
}

interface SessionState {
  signedOutReason?: string;
  refreshTimer?: NodeJS.Timeout;
  /** Refreshes failing (an outage, say) while the current token is still used. */
  refreshFailure?: { since: number; error: string };
}

interface PendingLogin {
  promise: Promise<SsoToken>;
  prompt?: SignInPrompt;
  listeners: Set<(prompt: SignInPrompt, joined: boolean) => void>;
  /** Callers still waiting; an abortable caller that leaves counts down, and at zero the sign-in is cancelled. */
  waiting: number;
  cancel: AbortController;
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
  /** The refresh fails while the token, still valid, is used until it expires (ISO times). */
  refreshFailing?: { since: string; error: string; until: string };
}

/** Refresh an access token once it has less than this left (or half its life, if shorter). */
export const TOKEN_REFRESH_WINDOW_MS = 10 * 60_000;
/** How long a caller holding a valid token waits for its refresh before it is given that token. */
export const TOKEN_REFRESH_WAIT_MS = 1_000;

export class SessionManager {
  private readonly states = new Map<string, SessionState>();
  private readonly logins = new Map<string, PendingLogin>();
  private readonly refreshes = new SingleFlight<SsoToken>();
  private readonly records: SignInStore;
  private readonly awsCli: AwsCliExport;
  private readonly identityCenter: IdentityCenter;

  constructor(
    store: SecretStore,
    private readonly log: Logger,
    options: SessionManagerOptions = {},
  ) {
    this.records = new SignInStore(store);
    this.awsCli = new AwsCliExport(options.awsCliCacheDir ?? defaultAwsCliCacheDir(), log);
    this.identityCenter = options.identityCenter ?? sdkIdentityCenter;
  }

  private state(name: string): SessionState {
    let state = this.states.get(name);
    if (!state) this.states.set(name, (state = {}));
    return state;
  }

  /**
   * The stored sign-in, if it is one for this definition. A sign-in to another start URL or region
   * (two configs naming one session differently, or a login in progress) is "not signed in" here,
   * and is left as it is: only a successful login replaces it.
   */
  private async signInFor(session: SsoSessionConfig): Promise<{ state: SessionState; stored?: StoredSignIn }> {
    const stored = await this.records.load(session.name);
    return { state: this.state(session.name), stored: stored && sameDefinition(stored, session) ? stored : undefined };
  }

  /**
   * Save `token` as the current one, unless the token it replaces is no longer current (a login
   * replaced it, or the session was signed out): a refresh must not undo a new sign-in. Other
   * changes made meanwhile (the AWS CLI export switched) are kept.
   */
  private async saveToken(session: SsoSessionConfig, replaces: SsoToken, token: SsoToken): Promise<StoredSignIn | undefined> {
    const current = this.records.current(session.name);
    if (!current?.token || current.token.accessToken !== replaces.accessToken || !sameDefinition(current, session)) return undefined;
    const updated: StoredSignIn = { ...current, token, tokenIssuedAt: Date.now() };
    await this.records.save(session.name, updated);
    return updated;
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
      const refresh = this.refresh(session);
      if (token.expiresAt <= now) return (await refresh).accessToken;
      // Still valid: the refreshed token if it comes at once, else this one, also while the refresh
      // fails (an outage must not take a working token away). A signed-out session is passed on.
      let waited: ReturnType<typeof setTimeout> | undefined;
      const slow = new Promise<undefined>((resolve) => (waited = setTimeout(() => resolve(undefined), TOKEN_REFRESH_WAIT_MS)));
      try {
        const refreshed = await Promise.race([refresh, slow]);
        return refreshed?.accessToken ?? token.accessToken;
      } catch (err) {
        if (err instanceof NotSignedInError || Date.now() >= token.expiresAt) throw err;
        this.log.warn('token refresh failed; using the current token', { session: session.name, error: (err as Error).message });
        return token.accessToken;
      } finally {
        clearTimeout(waited);
        refresh.catch(() => undefined); // its failure is recorded by refresh(), and logged here when waited for
      }
    }
    if (token.expiresAt > now) return token.accessToken;
    await this.signOut(session, 'token expired and cannot be refreshed');
    throw new NotSignedInError(session.name, 'the sign-in has ended for');
  }

  /**
   * One refresh per session at a time, and every concurrent caller shares it: the server rotates
   * refresh tokens, so a second refresh with the same one would be refused and sign the user out.
   */
  private refresh(session: SsoSessionConfig): Promise<SsoToken> {
    return this.refreshes.run(session.name, async () => {
      const { stored } = await this.signInFor(session);
      if (!stored?.token) throw new NotSignedInError(session.name, 'the sign-in has ended for'); // replaced meanwhile
      const reg = tokenRegistration(stored);
      if (!reg || reg.expiresAt <= Date.now()) {
        await this.signOut(session, 'client registration expired');
        throw new NotSignedInError(session.name, 'the sign-in has ended for');
      }
      let token = stored.token;
      const adopted = await this.awsCli.adoptRefresh(session, stored, reg);
      if (adopted) {
        if (await this.saveToken(session, token, adopted)) token = adopted;
        else return adopted; // a login replaced the sign-in meanwhile
        if (adopted.expiresAt - Date.now() > tokenRefreshWindow(this.records.current(session.name)!)) {
          this.scheduleRefresh(session);
          this.log.info('adopted the token the AWS CLI refreshed', { session: session.name, expiresAt: new Date(adopted.expiresAt).toISOString() });
          return adopted;
        }
      }
      let refreshed: SsoToken;
      const state = this.state(session.name);
      try {
        refreshed = await this.identityCenter.refreshToken(session, reg, token);
        state.refreshFailure = undefined;
      } catch (err) {
        if (err instanceof RefreshRejectedError) {
          await this.signOut(session, `refresh rejected (${err.message})`);
          throw new NotSignedInError(session.name, 'the sign-in has ended for');
        }
        state.refreshFailure = { since: state.refreshFailure?.since ?? Date.now(), error: oneLine(err) };
        throw err;
      }
      const updated = await this.saveToken(session, token, refreshed);
      if (!updated) return refreshed;
      this.scheduleRefresh(session);
      this.log.info('refreshed sso token', { session: session.name, expiresAt: new Date(refreshed.expiresAt).toISOString() });
      await this.awsCli.write(session, updated).catch((err) =>
        this.log.warn('updating the AWS CLI token cache failed', { session: session.name, error: (err as Error).message }),
      );
      return refreshed;
    });
  }

  /** Refresh the token in the background when it enters the refresh window. */
  private scheduleRefresh(session: SsoSessionConfig): void {
    const state = this.state(session.name);
    clearTimeout(state.refreshTimer);
    const stored = this.records.current(session.name);
    const token = stored?.token;
    if (!token?.refreshToken) return;
    const dueAt = token.expiresAt - tokenRefreshWindow(stored!);
    state.refreshTimer = setTimeout(() => {
      // A new token (a login, another refresh) has its own timer.
      if (this.records.current(session.name)?.token !== token) return;
      this.refresh(session).catch((err) => this.log.warn('background token refresh failed', { session: session.name, error: err.message }));
    }, Math.max(0, dueAt - Date.now()));
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
    const token = await this.signIn(session, method, onPrompt, options.signal);
    // Each caller's own choice applies, also when it joined someone else's sign-in.
    if (options.exportToAwsCli !== undefined) await this.setAwsCliExport(session, options.exportToAwsCli);
    return token;
  }

  private signIn(
    session: SsoSessionConfig,
    method: SignInMethod,
    onPrompt: (p: SignInPrompt, joined: boolean) => void,
    signal?: AbortSignal,
  ): Promise<SsoToken> {
    const key = loginKey(session);
    const pending = this.logins.get(key);
    if (pending) {
      this.wait(pending, session, signal);
      if (pending.prompt) onPrompt(pending.prompt, true);
      else pending.listeners.add((prompt) => onPrompt(prompt, true));
      return pending.promise;
    }
    const entry: PendingLogin = {
      promise: undefined as unknown as Promise<SsoToken>,
      listeners: new Set([onPrompt]),
      waiting: 0,
      cancel: new AbortController(),
    };
    this.wait(entry, session, signal);
    const showPrompt = (prompt: SignInPrompt) => {
      entry.prompt = prompt;
      for (const listener of entry.listeners) listener(prompt, false);
      entry.listeners.clear();
    };
    entry.promise = this.runLogin(session, method, showPrompt, entry.cancel.signal).finally(() => this.logins.delete(key));
    this.logins.set(key, entry);
    return entry.promise;
  }

  /** One more caller waits on the sign-in; when the last one leaves (Ctrl-C in its client), the sign-in stops. */
  private wait(entry: PendingLogin, session: SsoSessionConfig, signal: AbortSignal | undefined): void {
    entry.waiting++;
    const leave = () => {
      if (--entry.waiting > 0 || entry.cancel.signal.aborted) return;
      this.log.info('sign-in cancelled: no client waits for it', { session: session.name });
      entry.cancel.abort();
    };
    if (signal?.aborted) leave();
    else signal?.addEventListener('abort', leave, { once: true });
  }

  /**
   * The sign-in works on a record in memory and saves it only once it has a token, so a failed
   * sign-in (a mistyped start URL, a denial) leaves the stored one exactly as it was.
   */
  private async runLogin(session: SsoSessionConfig, method: SignInMethod, onPrompt: (p: SignInPrompt) => void, signal: AbortSignal): Promise<SsoToken> {
    const { state, stored: current } = await this.signInFor(session);
    const previous = this.records.current(session.name);
    const draft: StoredSignIn = current
      ? { ...current, registrations: { ...current.registrations } }
      : { startUrl: session.startUrl, region: session.region, registrations: {}, exportToAwsCli: previous?.exportToAwsCli };
    // The keychain must take a write before a token is asked for: a locked one fails here, not
    // after the user has signed in. (The probe writes its own entry, not this session's.)
    await this.records.probe();
    let token: SsoToken;
    for (let attempt = 1; ; attempt++) {
      let reg = draft.registrations[method];
      if (!registrationUsable(reg, session)) {
        reg = await this.identityCenter.registerClient(session, method);
        draft.registrations[method] = reg;
      }
      try {
        token = await this.identityCenter.signIn(method, session, reg, { onPrompt, signal });
        break;
      } catch (err) {
        // The server forgot our client (expired or revoked): register once more.
        if (!(err instanceof RegistrationRejectedError) || attempt > 1) throw err;
        delete draft.registrations[method];
      }
    }
    const signedIn: StoredSignIn = { ...draft, token, tokenMethod: method, tokenIssuedAt: Date.now() };
    await this.records.save(session.name, signedIn);
    state.signedOutReason = undefined;
    state.refreshFailure = undefined;
    this.scheduleRefresh(session);
    this.log.info('signed in', { session: session.name, method, expiresAt: new Date(token.expiresAt).toISOString() });
    if (previous && previous !== current) {
      // This replaced a sign-in to another start URL: its AWS CLI token file goes with it.
      await this.awsCli.removeOrWarn(session, previous);
    }
    await this.awsCli.write(session, signedIn).catch((err) => {
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
    await this.records.save(session.name, stored);
    try {
      if (on) await this.awsCli.write(session, stored);
      else if (await this.awsCli.remove(session, stored)) this.log.info('removed the AWS CLI token cache', { session: session.name });
    } catch (err) {
      throw new KeyfobError('AwsCliExportFailed', `signed in, but ${on ? 'writing' : 'removing'} the AWS CLI token cache failed: ${(err as Error).message}`, 500);
    }
  }

  /** Forget the token (keeping the client registration), so the next request says "run keyfob login". */
  async signOut(session: SsoSessionConfig, reason: string): Promise<void> {
    const { state, stored } = await this.signInFor(session);
    if (!stored) return; // a sign-in to another definition is not this one's to end
    clearTimeout(state.refreshTimer);
    state.signedOutReason = reason;
    if (stored.token) {
      const { token: _dropped, tokenMethod: _method, tokenIssuedAt: _issued, ...rest } = stored;
      await this.records.save(session.name, rest);
    }
    // A dead token is no use to the AWS CLI either; the opt-in stays for the next sign-in.
    await this.awsCli.removeOrWarn(session, stored);
    this.log.warn('session signed out', { session: session.name, reason });
  }

  /**
   * The sessions this daemon holds a live sign-in for (in memory: made or used since it started), as
   * their definitions: a profile that names a portal with no [sso-session] reuses one of them.
   */
  signedInSessions(): SsoSessionConfig[] {
    const now = Date.now();
    const held: SsoSessionConfig[] = [];
    for (const [name, stored] of this.records.loaded()) {
      if (!stored?.token || (stored.token.expiresAt <= now && !stored.token.refreshToken)) continue;
      held.push({ name, startUrl: stored.startUrl, region: stored.region, scopes: tokenRegistration(stored)?.scopes ?? DEFAULT_SCOPES });
    }
    return held;
  }

  /** Reads the stored sign-in under `name` into memory (see signedInSessions); true when it holds a token. */
  async loadSignIn(name: string): Promise<boolean> {
    if (!name) return false;
    return !!(await this.records.load(name).catch(() => undefined))?.token;
  }

  /** Sign out upstream (best effort) and remove the sign-in from the store; only one for this definition. */
  async logout(session: SsoSessionConfig): Promise<boolean> {
    const { state, stored } = await this.signInFor(session);
    if (!stored) return false;
    const token = stored.token;
    if (token && token.expiresAt > Date.now()) {
      await this.identityCenter
        .logout(session.region, token.accessToken)
        .catch((err) => this.log.warn('portal logout failed', { session: session.name, error: (err as Error).name }));
    }
    clearTimeout(state.refreshTimer);
    await this.awsCli.remove(session, stored);
    await this.records.delete(session.name);
    this.states.delete(session.name);
    this.log.info('logged out', { session: session.name });
    return !!token;
  }

  async status(session: SsoSessionConfig): Promise<SessionStatus> {
    const { state, stored } = await this.signInFor(session).catch(() => ({ state: this.state(session.name), stored: undefined }));
    const token = stored?.token;
    const signedIn = !!token && token.expiresAt > Date.now();
    const held = this.records.current(session.name);
    const other = held?.token && !stored ? `signed in to another start URL or region (${held.startUrl}, ${held.region})` : undefined;
    return {
      name: session.name,
      startUrl: session.startUrl,
      region: session.region,
      signedIn,
      expiresAt: token ? new Date(token.expiresAt).toISOString() : undefined,
      canRefresh: !!token?.refreshToken,
      signInPending: this.logins.has(loginKey(session)),
      reason: signedIn ? undefined : (other ?? state.signedOutReason),
      ...(signedIn && state.refreshFailure
        ? { refreshFailing: { since: new Date(state.refreshFailure.since).toISOString(), error: state.refreshFailure.error, until: new Date(token!.expiresAt).toISOString() } }
        : {}),
    };
  }

  close(): void {
    for (const state of this.states.values()) clearTimeout(state.refreshTimer);
  }
}

/** Logins join only a sign-in to the same definition: a session name alone may mean two portals. */
function loginKey(session: SsoSessionConfig): string {
  return [session.name, session.startUrl, session.region, session.scopes.join(' ')].join('\u0000');
}

/**
 * How long before expiry the token counts as stale: the window, or half of this token's own life.
 * (Measured from the first sign-in, short tokens would soon be "stale" the moment they are issued.)
 */
function tokenRefreshWindow(stored: StoredSignIn): number {
  const token = stored.token!;
  return refreshWindow(token.expiresAt - (stored.tokenIssuedAt ?? token.signedInAt), TOKEN_REFRESH_WINDOW_MS);
}
