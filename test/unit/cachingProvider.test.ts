// CachingProvider on a fake clock: one upstream call for concurrent callers, credentials never
// handed out inside the refresh window, and the background refresh of credentials in use.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CachingProvider, ROLE_REFRESH_WINDOW_MS, SERVE_MARGIN_MS, STALE_REFRESH_WAIT_MS } from '../../src/credentials/cachingProvider.js';
import { NotSignedInError, UpstreamUnavailableError } from '../../src/core/errors.js';
import type { CredentialProvider, RoleCredentials } from '../../src/credentials/types.js';

const HOUR = 60 * 60_000;

/** An upstream that issues numbered credentials living `lifetimeMs`, after a round trip. */
class Upstream implements CredentialProvider {
  calls = 0;
  lifetimeMs = HOUR;
  fail?: Error;
  private gate?: Promise<void>;
  private open?: () => void;

  /** Holds every call until release(): concurrent callers really overlap. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async retrieve(): Promise<RoleCredentials> {
    const n = ++this.calls;
    await this.gate;
    await Promise.resolve();
    if (this.fail) throw this.fail;
    return { accessKeyId: `AKIA${n}`, secretAccessKey: `s${n}`, sessionToken: `t${n}`, expiration: Date.now() + this.lifetimeMs, accountId: '111122223333' };
  }
}

let upstream: Upstream;
let provider: CachingProvider;
let backgroundErrors: Error[];

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  upstream = new Upstream();
  backgroundErrors = [];
  provider = new CachingProvider(upstream, (err) => backgroundErrors.push(err));
});
afterEach(() => {
  provider.clear();
  vi.useRealTimers();
});

describe('CachingProvider', () => {
  it('N concurrent callers share one upstream call', async () => {
    upstream.hold();
    const all = Array.from({ length: 25 }, () => provider.retrieve());
    upstream.release();
    const creds = await Promise.all(all);
    expect(upstream.calls).toBe(1);
    expect(new Set(creds.map((c) => c.accessKeyId))).toEqual(new Set(['AKIA1']));
  });

  it('a failed call is shared too, and the next caller tries again', async () => {
    upstream.fail = new Error('upstream down');
    const results = await Promise.allSettled([provider.retrieve(), provider.retrieve(), provider.retrieve()]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(upstream.calls).toBe(1);
    upstream.fail = undefined;
    expect((await provider.retrieve()).accessKeyId).toBe('AKIA2');
  });

  it('fresh credentials come from the cache; inside the refresh window they are refreshed first', async () => {
    const first = await provider.retrieve();
    vi.setSystemTime(first.expiration - ROLE_REFRESH_WINDOW_MS - 1);
    expect((await provider.retrieve()).accessKeyId).toBe(first.accessKeyId);
    expect(upstream.calls).toBe(1);
    vi.setSystemTime(first.expiration - ROLE_REFRESH_WINDOW_MS + 1);
    upstream.hold();
    const during = Array.from({ length: 5 }, () => provider.retrieve());
    upstream.release();
    const second = await Promise.all(during);
    expect(upstream.calls).toBe(2);
    for (const c of second) {
      expect(c.accessKeyId).toBe('AKIA2');
      expect(c.expiration - Date.now()).toBeGreaterThan(ROLE_REFRESH_WINDOW_MS);
    }
  });

  it('never hands out credentials inside the refresh window, whenever it is asked', async () => {
    for (let minutes = 0; minutes < 5 * 60; minutes += 11) {
      vi.setSystemTime(Date.UTC(2026, 0, 1) + minutes * 60_000);
      const c = await provider.retrieve();
      expect(c.expiration - Date.now()).toBeGreaterThan(ROLE_REFRESH_WINDOW_MS);
    }
  });

  it('short-lived credentials count as stale at half their life', async () => {
    upstream.lifetimeMs = 10 * 60_000;
    const first = await provider.retrieve();
    vi.setSystemTime(Date.now() + 4 * 60_000);
    expect((await provider.retrieve()).accessKeyId).toBe(first.accessKeyId);
    vi.setSystemTime(Date.now() + 2 * 60_000);
    expect((await provider.retrieve()).accessKeyId).not.toBe(first.accessKeyId);
  });

  it('refreshes credentials in use in the background, just before the window', async () => {
    const first = await provider.retrieve();
    await provider.retrieve(); // in use since the fetch
    const dueIn = first.expiration - ROLE_REFRESH_WINDOW_MS - Date.now();
    await vi.advanceTimersByTimeAsync(dueIn - 2000);
    expect(upstream.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(upstream.calls).toBe(2);
    // The caller arriving in the window gets the new credentials from the cache.
    const c = await provider.retrieve();
    expect(c.accessKeyId).toBe('AKIA2');
    expect(upstream.calls).toBe(2);
  });

  it('does not refresh in the background credentials nobody asked for since the last fetch', async () => {
    await provider.retrieve();
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(upstream.calls).toBe(1);
  });

  it('reports a failed background refresh, and the next caller retries', async () => {
    const first = await provider.retrieve();
    await provider.retrieve();
    upstream.fail = new Error('throttled');
    await vi.advanceTimersByTimeAsync(first.expiration - ROLE_REFRESH_WINDOW_MS - Date.now());
    expect(backgroundErrors.map((e) => e.message)).toEqual(['throttled']);
    upstream.fail = undefined;
    expect((await provider.retrieve()).accessKeyId).toBe('AKIA3');
  });

  it('clear() forgets the credentials and stops the timer', async () => {
    await provider.retrieve();
    await provider.retrieve();
    provider.clear();
    expect(provider.peek()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(upstream.calls).toBe(1);
  });
});

describe('CachingProvider: an outage takes nothing that works away', () => {
  const outage = () => new UpstreamUnavailableError('IAM Identity Center failed during getting credentials (HTTP 503); keyfob tries again in 4 s');

  it('inside the refresh window, valid credentials are served while the refresh fails, and peek says since when', async () => {
    const first = await provider.retrieve();
    upstream.fail = outage();
    const failedAt = first.expiration - ROLE_REFRESH_WINDOW_MS + 1;
    vi.setSystemTime(failedAt);
    expect(await provider.retrieve()).toBe(first);
    expect(provider.peek()?.refreshFailing).toEqual({ since: failedAt, error: upstream.fail.message, servedUntil: first.expiration - SERVE_MARGIN_MS });
    // Every caller until just before expiry: the same credentials, each asking upstream again (the circuit paces it).
    for (let t = failedAt; t < first.expiration - SERVE_MARGIN_MS; t += 60_000) {
      vi.setSystemTime(t);
      expect(await provider.retrieve()).toBe(first);
    }
    expect(provider.peek()?.refreshFailing?.since).toBe(failedAt);
    // Too close to expiry to be of use: the outage's line.
    vi.setSystemTime(first.expiration - SERVE_MARGIN_MS + 1);
    await expect(provider.retrieve()).rejects.toBe(upstream.fail);
    expect(provider.peek()?.refreshFailing).toBeUndefined();
  });

  it('once the upstream answers again, the next caller gets new credentials and the failure is forgotten', async () => {
    const first = await provider.retrieve();
    upstream.fail = outage();
    vi.setSystemTime(first.expiration - 60 * 5_000);
    expect(await provider.retrieve()).toBe(first);
    upstream.fail = undefined;
    const next = await provider.retrieve();
    expect(next.accessKeyId).not.toBe(first.accessKeyId);
    expect(provider.peek()?.refreshFailing).toBeUndefined();
  });

  it('a refusal is not an outage: signed out means the error, not the held credentials', async () => {
    const first = await provider.retrieve();
    upstream.fail = new NotSignedInError('corp', 'the sign-in has ended for');
    vi.setSystemTime(first.expiration - ROLE_REFRESH_WINDOW_MS + 1);
    await expect(provider.retrieve()).rejects.toBe(upstream.fail);
    expect(provider.peek()?.refreshFailing).toBeUndefined();
  });

  it('a refresh that hangs: the held credentials after a moment, and the new ones once it ends', async () => {
    const first = await provider.retrieve();
    vi.setSystemTime(first.expiration - ROLE_REFRESH_WINDOW_MS + 1);
    upstream.hold();
    let served: unknown;
    void provider.retrieve().then((c) => (served = c));
    await vi.advanceTimersByTimeAsync(STALE_REFRESH_WAIT_MS - 1);
    expect(served).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(served).toBe(first);
    upstream.release();
    await vi.advanceTimersByTimeAsync(0);
    expect((await provider.retrieve()).accessKeyId).toBe('AKIA2');
  });

  it('a failed background refresh ahead of the window is recorded, and the credentials stay served', async () => {
    const first = await provider.retrieve();
    await provider.retrieve();
    upstream.fail = outage();
    await vi.advanceTimersByTimeAsync(first.expiration - ROLE_REFRESH_WINDOW_MS - Date.now());
    expect(backgroundErrors).toEqual([upstream.fail]);
    expect(provider.peek()?.refreshFailing?.error).toBe(upstream.fail.message);
    expect(await provider.retrieve()).toBe(first);
  });
});
