// The circuit (shared/circuit.ts) on a fake clock: it opens on a failure, the first caller retries
// within its wait and later callers get the error at once, one probe at a time with backoff that
// grows to a cap, concurrent callers share the probe, and a success closes it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Circuit, CircuitOpenError, type CircuitClock } from '../../src/core/circuit.js';

const T0 = Date.UTC(2026, 0, 1);

/** The injected clock: vitest's fake timers, so time moves only when a test moves it. */
const clock: CircuitClock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

class Failing extends Error {
  constructor() {
    super('HTTP 503');
  }
}

/** An upstream that fails while `down`, after `latencyMs`; counts its calls and the most in flight at once. */
class Upstream {
  down = true;
  latencyMs = 10;
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  callTimes: number[] = [];
  refuse?: Error;

  call = async (): Promise<string> => {
    this.calls++;
    this.callTimes.push(Date.now() - T0);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (this.refuse) throw this.refuse;
      if (this.down) throw new Failing();
      return 'ok';
    } finally {
      this.inFlight--;
    }
  };
}

let upstream: Upstream;
let circuit: Circuit;

/** No jitter: delays are exactly 2, 4, 8, 16, 30, 30 s. */
const newCircuit = () => new Circuit({ isFailure: (err) => err instanceof Failing, clock, random: () => 0.5 });

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  upstream = new Upstream();
  circuit = newCircuit();
});
afterEach(() => vi.useRealTimers());

/** Runs a call to its end while the fake clock moves; returns what it gave and when (ms after T0). */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
  let done: { value?: T; error?: unknown; at: number } | undefined;
  promise.then(
    (value) => (done = { value, at: Date.now() - T0 }),
    (error: unknown) => (done = { error, at: Date.now() - T0 }),
  );
  for (let i = 0; i < 10_000 && !done; i++) await vi.advanceTimersByTimeAsync(10);
  if (!done) throw new Error('the call never ended');
  return done;
}

describe('Circuit', () => {
  it('the first caller retries within its wait, then gets the last failure and when the next try comes', async () => {
    const r = await settle(circuit.run(upstream.call));
    expect(r.error).toBeInstanceOf(CircuitOpenError);
    const err = r.error as CircuitOpenError;
    expect(err.lastFailure).toBeInstanceOf(Failing);
    // Tries at 0, 2 and 6 s (2 s, then 4 s apart); the next (6 + 8 = 14 s) is past its 6.5 s wait: it ends at once.
    expect(upstream.callTimes).toEqual([0, 2010, 6020]);
    expect(r.at).toBeLessThan(6_500);
    expect(err.retryAt! - T0).toBe(6030 + 8000);
  });

  it('later callers get the error at once, with no call upstream, until the backoff has passed', async () => {
    await settle(circuit.run(upstream.call));
    const calls = upstream.calls;
    const later = await settle(circuit.run(upstream.call));
    expect(later.error).toBeInstanceOf(CircuitOpenError);
    expect(upstream.calls).toBe(calls);
    expect(later.at - (Date.now() - T0)).toBeLessThanOrEqual(0);
    expect((later.error as CircuitOpenError).retryAt).toBe(circuit.state()!.retryAt);
  });

  it('at most one probe at a time: many callers after the backoff make one call', async () => {
    await settle(circuit.run(upstream.call));
    upstream.calls = 0;
    upstream.maxInFlight = 0;
    vi.setSystemTime(circuit.state()!.retryAt!);
    upstream.latencyMs = 200;
    const all = await Promise.all(Array.from({ length: 20 }, () => settle(circuit.run(upstream.call))));
    expect(upstream.calls).toBe(1);
    expect(upstream.maxInFlight).toBe(1);
    for (const r of all) expect(r.error).toBeInstanceOf(CircuitOpenError);
  });

  it('the backoff between probes doubles from 2 s and stops growing at 30 s', async () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => circuit.delayAfter(n))).toEqual([2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    // With jitter, about 2 s (±20 %), and never past the cap.
    const jittered = new Circuit({ isFailure: () => true, random: () => 0.999 });
    expect(jittered.delayAfter(1)).toBeGreaterThan(2000);
    expect(jittered.delayAfter(1)).toBeLessThanOrEqual(2400);
    expect(jittered.delayAfter(8)).toBe(30_000);
    // And the probes really go at those intervals: one per retryAt, however often callers ask.
    await settle(circuit.run(upstream.call));
    const before = upstream.calls;
    for (let t = 0; t < 60_000; t += 250) {
      await settle(circuit.run(upstream.call));
      await vi.advanceTimersByTimeAsync(250);
    }
    const probes = upstream.callTimes.slice(before);
    const gaps = probes.slice(1).map((t, i) => t - probes[i]);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(circuit.delayAfter(i + 3));
    expect(probes.length).toBeLessThanOrEqual(4); // 6, 14, 30, 60 s: 8, 16, 30 s apart
  });

  it('a probe that succeeds closes the circuit: that caller and every one after it are answered', async () => {
    await settle(circuit.run(upstream.call));
    upstream.down = false;
    vi.setSystemTime(circuit.state()!.retryAt!);
    const probe = await settle(circuit.run(upstream.call));
    expect(probe.value).toBe('ok');
    expect(circuit.state()).toBeUndefined();
    const calls = upstream.calls;
    const next = await Promise.all(Array.from({ length: 5 }, () => settle(circuit.run(upstream.call))));
    expect(next.every((r) => r.value === 'ok')).toBe(true);
    expect(upstream.calls).toBe(calls + 5);
  });

  it('after recovery, a caller is answered within one probe interval', async () => {
    await settle(circuit.run(upstream.call));
    const interval = circuit.delayAfter(circuit.state()!.failures);
    upstream.down = false;
    const recoveredAt = Date.now();
    let answeredAt: number | undefined;
    while (answeredAt === undefined) {
      const r = await settle(circuit.run(upstream.call));
      if (r.value === 'ok') answeredAt = Date.now();
      else await vi.advanceTimersByTimeAsync(500);
    }
    // Within the interval, give or take the 500 ms between this test's callers.
    expect(answeredAt - recoveredAt).toBeLessThanOrEqual(interval + 500);
  });

  it('concurrent callers share the probe under way, and each is answered once it closes the circuit', async () => {
    await settle(circuit.run(upstream.call));
    const firstCalls = upstream.calls;
    upstream.down = false;
    upstream.latencyMs = 150;
    vi.setSystemTime(circuit.state()!.retryAt!);
    const prober = settle(circuit.run(upstream.call));
    await vi.advanceTimersByTimeAsync(50); // the probe is under way
    expect(circuit.state()!.retryAt).toBeUndefined();
    const others = await Promise.all(Array.from({ length: 4 }, () => settle(circuit.run(upstream.call))));
    expect((await prober).value).toBe('ok');
    expect(others.map((r) => r.value)).toEqual(['ok', 'ok', 'ok', 'ok']);
    // The probe, then each caller's own call once it was known to work: never two at once while failing.
    expect(upstream.calls).toBe(firstCalls + 1 + 4);
  });

  it('a probe that outlasts the wait: the caller hears a try is under way; the probe goes on and its answer closes the circuit', async () => {
    await settle(circuit.run(upstream.call));
    upstream.down = false;
    upstream.latencyMs = 3_000;
    vi.setSystemTime(circuit.state()!.retryAt!);
    const started = Date.now();
    const r = await settle(circuit.run(upstream.call));
    expect(r.error).toBeInstanceOf(CircuitOpenError);
    expect((r.error as CircuitOpenError).retryAt).toBeUndefined();
    expect(Date.now() - started).toBeLessThanOrEqual(1_000);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(circuit.state()).toBeUndefined();
  });

  it('an answer that is not a failure (a refusal) passes through and closes the circuit', async () => {
    await settle(circuit.run(upstream.call));
    upstream.refuse = new Error('ForbiddenException');
    vi.setSystemTime(circuit.state()!.retryAt!);
    const r = await settle(circuit.run(upstream.call));
    expect((r.error as Error).message).toBe('ForbiddenException');
    expect(circuit.state()).toBeUndefined();
  });

  it('a caller with something to fall back on (wait 0) makes one try and does not wait for probes', async () => {
    const r = await settle(circuit.run(upstream.call, 0));
    expect(r.error).toBeInstanceOf(CircuitOpenError);
    expect(upstream.calls).toBe(1);
    expect(r.at).toBeLessThan(100);
  });

  it('calls that fail together open it once: the backoff counts failures in a row, not callers', async () => {
    upstream.latencyMs = 100;
    await Promise.all(Array.from({ length: 5 }, () => settle(circuit.run(upstream.call, 0))));
    expect(circuit.state()!.failures).toBe(1);
  });
});
