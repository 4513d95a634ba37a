// SessionManager against a fake IAM Identity Center and the memory store, on a fake clock:
// concurrent refresh, rotating refresh tokens, concurrent logins, refresh ahead of expiry.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotSignedInError, UpstreamUnavailableError } from '../../src/core/errors.js';
import { SessionManager, TOKEN_REFRESH_WAIT_MS, TOKEN_REFRESH_WINDOW_MS } from '../../src/signin/sessions.js';
import { RegistrationRejectedError } from '../../src/signin/tokens.js';
import type { SignInPrompt } from '../../src/signin/types.js';
import { memoryStore } from '../../src/store/index.js';
import type { SecretStore } from '../../src/store/index.js';
import { FakeIdentityCenter, quietLog, session } from './fakeIdentityCenter.js';

const HOUR = 60 * 60_000;
const corp = session();
const NO_CACHE_DIR = '/nonexistent/keyfob-unit-aws-cli-cache';

let fake: FakeIdentityCenter;
let store: SecretStore;
let managers: SessionManager[];

function manager(): SessionManager {
  const m = new SessionManager(store, quietLog, { identityCenter: fake, awsCliCacheDir: NO_CACHE_DIR });
  managers.push(m);
  return m;
}

async function signedIn(): Promise<SessionManager> {
  const m = manager();
  await m.login(corp, 'device', () => undefined);
  return m;
}

/** Moves the clock without running timers: what a caller sees arriving at that moment. */
function jumpTo(epochMs: number): void {
  vi.setSystemTime(epochMs);
}

function stored(): Promise<{ token?: { accessToken: string; refreshToken?: string; expiresAt: number }; registrations: object }> {
  return store.get(corp.name).then((raw) => JSON.parse(raw!));
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  fake = new FakeIdentityCenter();
  store = memoryStore();
  managers = [];
});
afterEach(() => {
  for (const m of managers) m.close();
  vi.useRealTimers();
});

describe('SessionManager: refresh', () => {
  it('a fresh token is handed out as it is, with no call upstream', async () => {
    const m = await signedIn();
    const token = (await stored()).token!;
    jumpTo(Date.now() + HOUR - TOKEN_REFRESH_WINDOW_MS - 1000);
    expect(await m.accessToken(corp)).toBe(token.accessToken);
    expect(fake.calls.refreshToken).toBe(0);
  });

  it('N concurrent callers inside the refresh window share one refresh, and all get its token', async () => {
    const m = await signedIn();
    const before = (await stored()).token!;
    jumpTo(before.expiresAt - TOKEN_REFRESH_WINDOW_MS + 1000);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => m.accessToken(corp)));
    expect(fake.calls.refreshToken).toBe(1);
    expect(fake.refused).toBe(0);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before.accessToken);
    expect((await m.status(corp)).signedIn).toBe(true);
  });

  it('refresh tokens rotate: each refresh redeems the newest one, stored, and a restarted daemon carries on', async () => {
    const m = await signedIn();
    for (let round = 0; round < 3; round++) {
      const { token } = await stored();
      jumpTo(token!.expiresAt - 60_000);
      const fresh = await m.accessToken(corp);
      expect(fresh).not.toBe(token!.accessToken);
      const after = (await stored()).token!;
      expect(after.accessToken).toBe(fresh);
      // The new refresh token is what is kept; the used one is never offered again.
      expect(after.refreshToken).not.toBe(token!.refreshToken);
      expect(fake.redeemed.at(-1)).toBe(token!.refreshToken);
    }
    expect(new Set(fake.redeemed).size).toBe(fake.redeemed.length);
    expect(fake.refused).toBe(0);

    // A new daemon on the same keychain refreshes with the rotated token, not the first one.
    m.close();
    const restarted = manager();
    jumpTo((await stored()).token!.expiresAt - 60_000);
    await restarted.accessToken(corp);
    expect(fake.refused).toBe(0);
    expect(fake.calls.refreshToken).toBe(4);
  });

  it('a refresh racing a new sign-in does not undo it, and the kept refresh token still works', async () => {
    const m = await signedIn();
    jumpTo((await stored()).token!.expiresAt - 60_000);
    const refreshing = m.accessToken(corp);
    const login = await m.login(corp, 'device', () => undefined);
    await refreshing;
    const { token } = await stored();
    expect(token!.accessToken).toBe(login.accessToken);
    jumpTo(token!.expiresAt - 60_000);
    await m.accessToken(corp);
    expect(fake.refused).toBe(0);
  });

  it("a restarted daemon's concurrent first callers share one refresh, and the refreshed token is kept", async () => {
    await signedIn();
    const restarted = manager();
    jumpTo((await stored()).token!.expiresAt - 60_000);
    await Promise.all(Array.from({ length: 6 }, () => restarted.accessToken(corp)));
    expect(fake.calls.refreshToken).toBe(1);
    const { token } = await stored();
    jumpTo(token!.expiresAt - 60_000);
    await restarted.accessToken(corp);
    expect(fake.refused).toBe(0);
    expect(fake.calls.refreshToken).toBe(2);
  });

  it('a refused refresh signs the session out: NotSignedIn, the token gone, the registration kept', async () => {
    const m = await signedIn();
    fake.revoke();
    jumpTo((await stored()).token!.expiresAt - 60_000);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => m.accessToken(corp)));
    for (const r of results) expect(r.status === 'rejected' && r.reason).toBeInstanceOf(NotSignedInError);
    expect(fake.calls.refreshToken).toBe(1);
    const after = await stored();
    expect(after.token).toBeUndefined();
    expect(Object.keys(after.registrations)).toEqual(['device']);
    const status = await m.status(corp);
    expect(status.signedIn).toBe(false);
    expect(status.reason).toMatch(/refresh rejected/);
    await expect(m.accessToken(corp)).rejects.toThrow(/the sign-in has ended/);
  });

  it('a transient refresh failure hands out the current token while it is valid, and retries on the next call', async () => {
    const m = await signedIn();
    const before = (await stored()).token!;
    fake.refreshFault = Object.assign(new Error('boom'), { name: 'InternalServerException' });
    jumpTo(before.expiresAt - 60_000);
    expect(await m.accessToken(corp)).toBe(before.accessToken);
    fake.refreshFault = undefined;
    const next = await m.accessToken(corp);
    expect(next).not.toBe(before.accessToken);
    expect(fake.refused).toBe(0);
  });

  it('while the refresh fails for an outage, the valid token is used, and status says since when and until when', async () => {
    const m = await signedIn();
    const before = (await stored()).token!;
    fake.refreshFault = new UpstreamUnavailableError('IAM Identity Center failed during refreshing the sign-in (HTTP 503); keyfob tries again in 2 s');
    const failedAt = before.expiresAt - TOKEN_REFRESH_WINDOW_MS + 1000;
    jumpTo(failedAt);
    expect(await m.accessToken(corp)).toBe(before.accessToken);
    jumpTo(before.expiresAt - 1000);
    expect(await m.accessToken(corp)).toBe(before.accessToken);
    expect((await m.status(corp)).refreshFailing).toEqual({
      since: new Date(failedAt).toISOString(),
      error: fake.refreshFault.message,
      until: new Date(before.expiresAt).toISOString(),
    });
    // Past its expiry the outage's line, not a sign-out: the refresh token still works once the service does.
    jumpTo(before.expiresAt + 1);
    await expect(m.accessToken(corp)).rejects.toBe(fake.refreshFault);
    fake.refreshFault = undefined;
    expect(await m.accessToken(corp)).not.toBe(before.accessToken);
    expect((await m.status(corp)).refreshFailing).toBeUndefined();
    expect(fake.refused).toBe(0);
  });

  it('a refresh that does not answer: callers get the valid token after a moment, not after the refresh', async () => {
    const m = await signedIn();
    const before = (await stored()).token!;
    let answer!: () => void;
    fake.refreshGate = new Promise((resolve) => (answer = resolve));
    jumpTo(before.expiresAt - 60_000);
    let got: string | undefined;
    void m.accessToken(corp).then((t) => (got = t));
    await vi.advanceTimersByTimeAsync(TOKEN_REFRESH_WAIT_MS - 1);
    expect(got).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(got).toBe(before.accessToken);
    fake.refreshGate = undefined;
    answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls.refreshToken).toBe(1);
    expect(await m.accessToken(corp)).not.toBe(before.accessToken);
  });

  it('a portal 401 refreshes once for every caller that saw the rejected token', async () => {
    const m = await signedIn();
    const before = (await stored()).token!;
    const replacements = await Promise.all(Array.from({ length: 4 }, () => m.tokenRejected(corp, before.accessToken)));
    expect(new Set(replacements).size).toBe(1);
    expect(replacements[0]).not.toBe(before.accessToken);
    expect(fake.calls.refreshToken).toBe(1);
    // A caller still holding the old token gets the replacement, with no second refresh.
    expect(await m.tokenRejected(corp, before.accessToken)).toBe(replacements[0]);
    expect(fake.calls.refreshToken).toBe(1);
  });
});

describe('SessionManager: refresh ahead', () => {
  it('the background timer refreshes when the token enters the window, with no caller', async () => {
    const m = await signedIn();
    const before = (await stored()).token!;
    const dueIn = before.expiresAt - TOKEN_REFRESH_WINDOW_MS - Date.now();
    await vi.advanceTimersByTimeAsync(dueIn - 1000);
    expect(fake.calls.refreshToken).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fake.calls.refreshToken).toBe(1);
    const after = (await stored()).token!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.expiresAt - Date.now()).toBeGreaterThan(TOKEN_REFRESH_WINDOW_MS);
    // The caller gets the refreshed token without a call of its own.
    expect(await m.accessToken(corp)).toBe(after.accessToken);
    expect(fake.calls.refreshToken).toBe(1);
    // And the next timer is armed: a day later the token is still kept fresh.
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(fake.calls.refreshToken).toBe(Math.floor((24 * HOUR) / (HOUR - TOKEN_REFRESH_WINDOW_MS)) + 1);
    expect(fake.refused).toBe(0);
  });

  it('never hands out a token inside the refresh window', async () => {
    const m = await signedIn();
    for (let minutes = 0; minutes < 180; minutes += 7) {
      jumpTo(Date.UTC(2026, 0, 1) + minutes * 60_000);
      const accessToken = await m.accessToken(corp);
      const { token } = await stored();
      expect(token!.accessToken).toBe(accessToken);
      expect(token!.expiresAt - Date.now()).toBeGreaterThan(TOKEN_REFRESH_WINDOW_MS);
    }
    expect(fake.refused).toBe(0);
  });

  it('a short-lived token is refreshed at half its life, not at once', async () => {
    fake.tokenLifetimeMs = 4000;
    const m = await signedIn();
    const first = (await stored()).token!;
    jumpTo(Date.now() + 1900);
    expect(await m.accessToken(corp)).toBe(first.accessToken);
    expect(fake.calls.refreshToken).toBe(0);
    jumpTo(Date.now() + 200);
    expect(await m.accessToken(corp)).not.toBe(first.accessToken);
    expect(fake.calls.refreshToken).toBe(1);
  });

  it('logout stops the timer and ends the portal session', async () => {
    const m = await signedIn();
    expect(await m.logout(corp)).toBe(true);
    expect(fake.calls.logout).toBe(1);
    expect(await store.get(corp.name)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(fake.calls.refreshToken).toBe(0);
    await expect(m.accessToken(corp)).rejects.toThrow(/not signed in/);
  });
});

describe('SessionManager: logins', () => {
  it('concurrent logins share one sign-in, and every caller sees the prompt', async () => {
    fake.autoApprove = false;
    const m = manager();
    const seen: [number, SignInPrompt, boolean][] = [];
    const logins = [0, 1, 2].map((i) => m.login(corp, 'device', (p, joined) => seen.push([i, p, joined])));
    await vi.waitFor(() => expect(fake.pendingSignIns).toBe(1));
    // A caller arriving after the prompt was shown is shown it at once.
    const late = m.login(corp, 'device', (p, joined) => seen.push([3, p, joined]));
    expect((await m.status(corp)).signInPending).toBe(true);
    expect(fake.approve()).toBe(1);
    const tokens = await Promise.all([...logins, late]);
    expect(fake.calls.signIn).toBe(1);
    expect(fake.calls.registerClient).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(seen.map(([i, , joined]) => [i, joined]).sort()).toEqual([
      [0, false],
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(new Set(seen.map(([, p]) => p.url)).size).toBe(1);
    expect(seen[0][1].userCode).toBeTruthy();
    expect((await m.status(corp)).signInPending).toBe(false);
    expect(await m.accessToken(corp)).toBe(tokens[0].accessToken);
  });

  it('a sign-in stops when the last caller waiting for it leaves (Ctrl-C in its client), not before', async () => {
    const m = await signedIn();
    const before = await store.get(corp.name);
    fake.autoApprove = false;
    const [first, second] = [new AbortController(), new AbortController()];
    const a = m.login(corp, 'device', () => undefined, { signal: first.signal });
    const b = m.login(corp, 'device', () => undefined, { signal: second.signal });
    await vi.waitFor(() => expect(fake.pendingSignIns).toBe(1));
    first.abort();
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.pendingSignIns).toBe(1); // the other caller still waits for it
    second.abort();
    await expect(a).rejects.toThrow('cancelled');
    await expect(b).rejects.toThrow('cancelled');
    expect(fake.pendingSignIns).toBe(0);
    expect((await m.status(corp)).signInPending).toBe(false);
    expect(await store.get(corp.name)).toBe(before);
    // A caller with no way to leave keeps its sign-in going; the next login starts afresh.
    const c = m.login(corp, 'device', () => undefined);
    await vi.waitFor(() => expect(fake.pendingSignIns).toBe(1));
    fake.approve();
    await expect(c).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  it('logins to another definition of the name do not join, and a failed one leaves the sign-in as it was', async () => {
    const m = await signedIn();
    const before = await store.get(corp.name);
    fake.autoApprove = false;
    const elsewhere = session({ startUrl: 'https://d-2222222222.awsapps.com/start' });
    const other = m.login(elsewhere, 'device', () => undefined);
    await vi.waitFor(() => expect(fake.pendingSignIns).toBe(1));
    fake.approve(new Error('denied'));
    await expect(other).rejects.toThrow('denied');
    expect(await store.get(corp.name)).toBe(before);
    await expect(m.accessToken(elsewhere)).rejects.toBeInstanceOf(NotSignedInError);
    expect(await m.accessToken(corp)).toBe(JSON.parse(before!).token.accessToken);
  });

  it('a refresh uses the client registration that issued the token (refresh tokens are bound to it)', async () => {
    const m = await signedIn();
    await m.login(corp, 'pkce', () => undefined);
    expect(fake.calls.registerClient).toBe(2);
    jumpTo((await stored()).token!.expiresAt - 60_000);
    await m.accessToken(corp);
    expect(fake.calls.refreshToken).toBe(1);
    expect(fake.refused).toBe(0);
  });

  it('a client registration the server forgot is registered again, once', async () => {
    const m = await signedIn();
    const signIn = fake.signIn.bind(fake);
    let rejections = 0;
    fake.signIn = async (...args) => {
      if (rejections++ === 0) throw new RegistrationRejectedError();
      return signIn(...args);
    };
    await m.login(corp, 'device', () => undefined);
    expect(fake.calls.registerClient).toBe(2);
    expect((await m.status(corp)).signedIn).toBe(true);
    // Twice in a row is not retried for ever.
    rejections = -1;
    fake.signIn = async () => {
      rejections++;
      throw new RegistrationRejectedError();
    };
    await expect(m.login(corp, 'device', () => undefined)).rejects.toBeInstanceOf(RegistrationRejectedError);
    expect(rejections).toBe(1);
  });

  it('a new sign-in replaces a session that was signed out, and its client registration is reused', async () => {
    const m = await signedIn();
    fake.revoke();
    jumpTo((await stored()).token!.expiresAt - 60_000);
    await expect(m.accessToken(corp)).rejects.toBeInstanceOf(NotSignedInError);
    await m.login(corp, 'device', () => undefined);
    expect(fake.calls.registerClient).toBe(1);
    expect((await m.status(corp)).signedIn).toBe(true);
    expect((await m.status(corp)).reason).toBeUndefined();
  });
});
