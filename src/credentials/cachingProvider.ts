// Keeps role credentials in memory and hands out only ones with time left: botocore and the
// JS SDK re-run credential_process 10–15 minutes before expiry, so anything closer to expiry
// than that is refreshed first. Concurrent callers share one upstream call.
import type { CredentialProvider, RoleCredentials } from './types.js';

export const ROLE_REFRESH_WINDOW_MS = 15 * 60_000;

/** How long before expiry something counts as stale: the window, or half the lifetime when that is shorter. */
export function refreshWindow(lifetimeMs: number, windowMs: number): number {
  return Math.min(windowMs, lifetimeMs / 2);
}

export class CachingProvider implements CredentialProvider {
  private cached?: RoleCredentials;
  private fetchedAt = 0;
  private inFlight?: Promise<RoleCredentials>;
  private usedSinceFetch = false;
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

  async retrieve(): Promise<RoleCredentials> {
    this.usedSinceFetch = true;
    if (this.fresh(this.cached)) return this.cached;
    return this.refresh();
  }

  refresh(): Promise<RoleCredentials> {
    this.inFlight ??= this.inner
      .retrieve()
      .then((creds) => {
        this.cached = creds;
        this.fetchedAt = Date.now();
        this.usedSinceFetch = false;
        this.scheduleRefreshAhead(creds);
        return creds;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
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

  /** Cached credentials for status output; never the secret parts. */
  peek(): { expiration: number; accountId: string } | undefined {
    return this.cached && { expiration: this.cached.expiration, accountId: this.cached.accountId };
  }

  clear(): void {
    clearTimeout(this.timer);
    this.cached = undefined;
  }
}
