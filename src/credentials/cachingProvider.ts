// Keeps role credentials in memory and hands out only ones with time left: botocore and the
// JS SDK re-run credential_process 10–15 minutes before expiry, so anything closer to expiry
// than that is refreshed first. Concurrent callers share one upstream call.
// An outage takes nothing that works away (issue 19): while the refresh fails because the upstream
// is unavailable, credentials that have not expired are still served, and status says so.
import { refreshWindow } from '../core/refreshWindow.js';
import { OneFlight } from '../core/singleFlight.js';
import { oneLine, type KeyfobError } from '../core/errors.js';
import type { CredentialProvider, RoleCredentials } from './types.js';

export const ROLE_REFRESH_WINDOW_MS = 15 * 60_000;
/** Held credentials with less than this left (or half the refresh window) are not served while their refresh fails: a caller could not use them. */
export const SERVE_MARGIN_MS = 60_000;
/** How long a caller holding valid credentials waits for their refresh before it is given them. */
export const STALE_REFRESH_WAIT_MS = 1_000;

/** The refresh is failing for an outage while valid credentials are served. */
export interface RefreshFailure {
  since: number;
  /** The one line of the last failure. */
  error: string;
  /** When the held credentials stop being served (expiry less the margin). */
  servedUntil: number;
}

/** An error that says the upstream is unavailable (aws/clients.ts), not that the request is refused. */
function isOutage(err: unknown): boolean {
  return (err as KeyfobError)?.code === 'UpstreamUnavailable';
}

export class CachingProvider implements CredentialProvider {
  private cached?: RoleCredentials;
  private fetchedAt = 0;
  private readonly refreshes = new OneFlight<RoleCredentials>();
  private usedSinceFetch = false;
  private failure?: RefreshFailure;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly inner: CredentialProvider,
    private readonly onBackgroundError: (err: Error) => void = () => undefined,
    /** false for a link that needs an MFA code: only a person at a terminal can renew it. */
    private readonly refreshAhead = true,
  ) {}

  private windowMs(c: RoleCredentials): number {
    return refreshWindow(c.expiration - this.fetchedAt, ROLE_REFRESH_WINDOW_MS);
  }

  private fresh(c: RoleCredentials | undefined, now = Date.now()): c is RoleCredentials {
    return !!c && c.expiration - now > this.windowMs(c);
  }

  /** SERVE_MARGIN_MS, or half the refresh window for short-lived credentials. */
  private serveMargin(c: RoleCredentials): number {
    return Math.min(SERVE_MARGIN_MS, this.windowMs(c) / 2);
  }

  /** Held credentials that may still be handed out while their refresh fails. */
  private servable(c: RoleCredentials | undefined, now = Date.now()): c is RoleCredentials {
    return !!c && c === this.cached && c.expiration - now > this.serveMargin(c);
  }

  async retrieve(): Promise<RoleCredentials> {
    this.usedSinceFetch = true;
    const held = this.cached;
    if (this.fresh(held)) return held;
    const refresh = this.refresh();
    if (!this.servable(held)) return refresh;
    // Inside the refresh window, still valid: the refreshed ones if they come at once, else these,
    // and these also when the upstream is unavailable. A refusal (signed out, not assigned) is passed on.
    return new Promise<RoleCredentials>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.servable(held)) resolve(held);
      }, STALE_REFRESH_WAIT_MS);
      refresh.then(
        (creds) => {
          clearTimeout(timer);
          resolve(creds);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (isOutage(err) && this.servable(held)) resolve(held);
          else reject(err);
        },
      );
    });
  }

  refresh(): Promise<RoleCredentials> {
    return this.refreshes.run(() =>
      this.inner.retrieve().then(
        (creds) => {
          this.cached = creds;
          this.fetchedAt = Date.now();
          this.usedSinceFetch = false;
          this.failure = undefined;
          this.scheduleRefreshAhead(creds);
          return creds;
        },
        (err: unknown) => {
          const held = this.cached;
          if (isOutage(err) && this.servable(held)) {
            this.failure = { since: this.failure?.since ?? Date.now(), error: oneLine(err), servedUntil: held.expiration - this.serveMargin(held) };
          }
          throw err;
        },
      ),
    );
  }

  /** Renew in the background just before the window, but only for credentials still in use. */
  private scheduleRefreshAhead(creds: RoleCredentials): void {
    clearTimeout(this.timer);
    if (!this.refreshAhead || !Number.isFinite(creds.expiration)) return; // static keys never expire
    const delay = Math.max(0, creds.expiration - this.windowMs(creds) - Date.now() - 1000);
    this.timer = setTimeout(() => {
      if (this.usedSinceFetch) this.refresh().catch((err) => this.onBackgroundError(err));
    }, delay);
    this.timer.unref();
  }

  /** Cached credentials for status output, and a refresh failing meanwhile; never the secret parts. */
  peek(): { expiration: number; accountId: string; refreshFailing?: RefreshFailure } | undefined {
    const c = this.cached;
    const failing = this.failure && this.servable(c) ? { refreshFailing: this.failure } : {};
    return c && { expiration: c.expiration, accountId: c.accountId, ...failing };
  }

  clear(): void {
    clearTimeout(this.timer);
    this.cached = undefined;
    this.failure = undefined;
  }
}
