// The adaptive rate limiter: its arithmetic against a simulated token-bucket server on a virtual
// clock, then listAssignments against the real emulator with a rate limit and injected faults.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdaptiveRateLimiter, type Clock } from '../../src/aws/adaptiveRate.js';
import type { ListingProgress } from '../../src/aws/accounts.js';
import { RateLimiter } from '../../src/emulator/rateLimit.js';
import { adminCall, DEMO_USER, type RunningEmulator, signInWithDevice, startTestEmulator } from '../helpers/emulator.js';

/** Virtual time: sleeps resolve in order of their deadline once every pending promise has settled. */
class VirtualClock implements Clock {
  time = 0;
  private timers: { at: number; resolve: () => void }[] = [];
  now = () => this.time;
  sleep = (ms: number) => new Promise<void>((resolve) => this.timers.push({ at: this.time + Math.max(0, ms), resolve }));

  async runUntilSettled<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.finally(() => (settled = true));
    done.catch(() => undefined);
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return done;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) throw new Error('nothing left to wait for, but the work has not settled');
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
  }
}

/** A deterministic stand-in for Math.random, so runs on the virtual clock repeat exactly. */
function seededRandom(seed = 42): () => number {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
const serverFault = () => Object.assign(new Error('Internal'), { name: 'InternalServerException', $metadata: { httpStatusCode: 500 } });

/** A service behind the emulator's own token bucket, answering after `latencyMs` of virtual time. */
function simulatedService(clock: VirtualClock, perSecond: number | undefined, latencyMs = 20) {
  const bucket = new RateLimiter(perSecond);
  const stats = { calls: 0, throttled: 0 };
  const call = async () => {
    stats.calls++;
    const admitted = bucket.take('op', clock.now());
    await clock.sleep(latencyMs);
    if (!admitted) {
      stats.throttled++;
      throw throttle();
    }
    return 'ok';
  };
  return { call, stats };
}

/** `total` calls through the limiter from `concurrency` workers; returns the virtual seconds taken. */
async function drive(clock: VirtualClock, limiter: AdaptiveRateLimiter, call: () => Promise<unknown>, total: number, concurrency = 8) {
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      await limiter.run(call);
    }
  };
  const t0 = clock.now();
  await clock.runUntilSettled(Promise.all(Array.from({ length: concurrency }, worker)));
  return (clock.now() - t0) / 1000;
}

describe('AdaptiveRateLimiter on a virtual clock', () => {
  it('does not pace until the service first throttles', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveRateLimiter({ clock, random: seededRandom() });
    const service = simulatedService(clock, undefined);
    const seconds = await drive(clock, limiter, service.call, 80);
    expect(limiter.currentRate).toBeUndefined();
    expect(seconds).toBeCloseTo((80 / 8) * 0.02, 5); // latency-bound only: ten rounds of 8 in flight
  });

  it('settles just under a token-bucket service rate: every call succeeds, few 429s, close to the ideal time', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveRateLimiter({ clock, random: seededRandom() });
    const service = simulatedService(clock, 10);
    const total = 600;
    const seconds = await drive(clock, limiter, service.call, total);
    const succeeded = service.stats.calls - service.stats.throttled;
    expect(succeeded).toBe(total);
    expect(service.stats.throttled).toBeLessThanOrEqual(total * 0.05);
    expect(limiter.throttles).toBe(service.stats.throttled);
    expect(seconds / (total / 10)).toBeLessThanOrEqual(1.05); // virtual time, so exact and not noisy
    expect(limiter.currentRate).toBeGreaterThan(8.5);
    expect(limiter.currentRate).toBeLessThan(11);
  });

  it('learns a slower limit when the service tightens it part way', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveRateLimiter({ clock, random: seededRandom() });
    let perSecond = 40;
    const buckets = new RateLimiter(perSecond);
    let calls = 0;
    let throttled = 0;
    const call = async () => {
      if (++calls === 200) buckets.set((perSecond = 5));
      const admitted = buckets.take('op', clock.now());
      await clock.sleep(20);
      if (!admitted) throw (throttled++, throttle());
    };
    await drive(clock, limiter, call, 400);
    expect(calls - throttled).toBe(400);
    expect(limiter.currentRate).toBeLessThan(7);
    expect(throttled).toBeLessThan(60);
  });

  it('retries server faults with backoff and without lowering the rate', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveRateLimiter({ clock, random: seededRandom() });
    let failuresLeft = 3;
    const call = async () => {
      if (failuresLeft-- > 0) throw serverFault();
      return 'ok';
    };
    await expect(clock.runUntilSettled(limiter.run(call))).resolves.toBe('ok');
    expect(limiter.currentRate).toBeUndefined();
    expect(clock.now()).toBeGreaterThan(0); // it waited between attempts
  });

  it('gives up on a call that keeps failing, within the attempt and time bounds', async () => {
    const clock = new VirtualClock();
    const retry = { baseDelayMs: 200, maxDelayMs: 5_000, maxElapsedMs: 30_000, maxAttempts: 12 };
    const limiter = new AdaptiveRateLimiter({ clock, random: () => 0.999, retry });
    let attempts = 0;
    const call = async () => {
      attempts++;
      throw throttle();
    };
    await expect(clock.runUntilSettled(limiter.run(call))).rejects.toThrow('Rate exceeded');
    expect(attempts).toBeLessThanOrEqual(12);
    expect(clock.now()).toBeLessThanOrEqual(30_000 + 2_000 * 12); // backoff plus the paced slots
  });

  it('does not retry an error that is neither a throttle nor a server fault', async () => {
    const clock = new VirtualClock();
    const limiter = new AdaptiveRateLimiter({ clock });
    let attempts = 0;
    const forbidden = Object.assign(new Error('No access'), { name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } });
    const call = async () => {
      attempts++;
      throw forbidden;
    };
    await expect(clock.runUntilSettled(limiter.run(call))).rejects.toBe(forbidden);
    expect(attempts).toBe(1);
  });
});

describe('listAssignments against the emulator', () => {
  let emulator: RunningEmulator | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await emulator?.close();
    emulator = undefined;
  });

  /** A fresh module graph per test: the limiter and SDK client caches are per process, keyed by region. */
  async function freshListing(options: Parameters<typeof startTestEmulator>[0]) {
    emulator = await startTestEmulator(options);
    vi.stubEnv('AWS_ENDPOINT_URL_SSO', emulator.url);
    vi.resetModules();
    const { listAssignments } = await import('../../src/aws/accounts.js');
    const { accessToken } = await signInWithDevice(emulator);
    await adminCall(emulator, 'reset-stats', {});
    const access = emulator.org.access.get(DEMO_USER.username)!;
    const expected = emulator.org.accounts
      .filter((account) => access.has(account.id))
      .map((account) => ({ accountId: account.id, accountName: account.name, roles: access.get(account.id) }));
    expect(expected.length).toBeGreaterThan(0);
    return { emulator, listAssignments: (onProgress?: (p: ListingProgress) => void) => listAssignments(emulator!.region, accessToken!, { onProgress }), expected };
  }

  const stats = async (em: RunningEmulator) => (await adminCall(em, 'stats')).body as { calls: Record<string, number>; throttled: Record<string, number> };

  it('lists a 120-account organisation behind a 15 req/s limit exactly, pipelined, without hammering it', async () => {
    const { emulator: em, listAssignments, expected } = await freshListing({ accounts: 120, rolesPerAccount: 3, rateLimit: 15 });
    // Slow ListAccounts pages, so roles of the first page are being listed while the second is on its way.
    await adminCall(em, 'faults', { operation: 'ListAccounts', latencyMs: 700, count: 2 });
    const progress: ListingProgress[] = [];
    const accounts = await listAssignments((p) => progress.push(p));

    expect(accounts.map(({ accountId, accountName, roles }) => ({ accountId, accountName, roles }))).toEqual(expected);
    expect(accounts).toHaveLength(120);
    expect(progress.some((p) => p.accountsTotal === undefined && p.accountsDone > 0)).toBe(true);
    expect(progress.at(-1)).toEqual({ accountsFound: 120, accountsDone: 120, accountsTotal: 120 });

    const { calls, throttled } = await stats(em);
    expect(calls.ListAccounts - (throttled.ListAccounts ?? 0)).toBe(2);
    expect(calls.ListAccountRoles - (throttled.ListAccountRoles ?? 0)).toBe(120);
    // Not hammering: the 8 in flight when the first 429 comes, then a few probes; not one per call.
    expect(throttled.ListAccountRoles ?? 0).toBeLessThanOrEqual(120 * 0.15);
  });

  it('retries a burst of 500s and 503s and still returns everything', async () => {
    const { emulator: em, listAssignments, expected } = await freshListing({});
    await adminCall(em, 'faults', { operation: 'ListAccountRoles', status: 500, count: 3 });
    await adminCall(em, 'faults', { operation: 'ListAccounts', status: 503, count: 2 });
    const accounts = await listAssignments();
    expect(accounts.map(({ accountId, accountName, roles }) => ({ accountId, accountName, roles }))).toEqual(expected);
    const { calls } = await stats(em);
    expect(calls.ListAccounts).toBe(1 + 2);
    expect(calls.ListAccountRoles).toBe(expected.length + 3);
  });

  it('rejects the whole listing with one line when a call fails for good', async () => {
    const { emulator: em, listAssignments } = await freshListing({});
    await adminCall(em, 'faults', { operation: 'ListAccountRoles', status: 403, count: 1 });
    const listing = listAssignments();
    await expect(listing).rejects.toThrow(/^listing accounts and roles failed: ForbiddenException: Injected fault: ListAccountRoles answers 403$/);
    await expect(listing).rejects.toMatchObject({ message: expect.not.stringContaining('\n') });
  });
});
