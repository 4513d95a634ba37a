// One circuit per upstream (issue 19): while it keeps failing, the first caller gets the one-line
// error within its budget, later callers within a second with when the next try comes, and the
// upstream sees one probe at a time, with backoff between probes. Probes are lazy: the caller that
// arrives once the backoff has passed makes its own call the probe; nobody asks, nothing is sent.
// The state machine only: what counts as a failure, and the error's words, belong to the caller
// (aws/circuits.ts).

/** A caller sleeps until the next probe only if it can then wait this long for its answer. */
const MIN_PROBE_WAIT_MS = 100;

export interface CircuitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: CircuitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface CircuitOptions {
  /** Does this error say the upstream is failing (5xx, throttling, a timeout), rather than answering? */
  isFailure: (err: unknown) => boolean;
  /** How long the caller that finds the circuit closed waits, its retries included. */
  firstCallerWaitMs?: number;
  /** How long a caller that finds it open waits (for a probe due, or under way) before it gets the error. */
  laterCallerWaitMs?: number;
  /** The wait before the first probe; each further failure doubles it, up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter] (then capped). */
  jitter?: number;
  clock?: CircuitClock;
  random?: () => number;
}

/** Thrown while the upstream fails: the last failure, and when the next probe may go (undefined: one is under way). */
export class CircuitOpenError extends Error {
  constructor(
    readonly lastFailure: unknown,
    readonly retryAt: number | undefined,
    readonly failingSince: number,
  ) {
    super(`upstream failing: ${(lastFailure as Error)?.message ?? String(lastFailure)}`);
    this.name = 'CircuitOpenError';
  }
}

export interface CircuitState {
  failingSince: number;
  lastFailure: unknown;
  /** When the next probe may go; undefined while one is under way. */
  retryAt: number | undefined;
  failures: number;
}

export class Circuit {
  private failure?: { since: number; last: unknown; count: number; retryAt: number };
  private probe?: Promise<void>;
  private readonly options: Required<Omit<CircuitOptions, 'isFailure'>> & Pick<CircuitOptions, 'isFailure'>;

  constructor(options: CircuitOptions) {
    this.options = {
      firstCallerWaitMs: 6_500,
      laterCallerWaitMs: 250,
      baseDelayMs: 2_000,
      maxDelayMs: 30_000,
      jitter: 0.2,
      clock: realClock,
      random: Math.random,
      ...options,
    };
  }

  /** The failure being waited out, for status; undefined while the upstream answers. */
  state(): CircuitState | undefined {
    const f = this.failure;
    return f && { failingSince: f.since, lastFailure: f.last, retryAt: this.probe ? undefined : f.retryAt, failures: f.count };
  }

  /** The backoff after `failures` failures in a row. */
  delayAfter(failures: number): number {
    const { baseDelayMs, maxDelayMs, jitter, random } = this.options;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - 1, 30));
    return Math.min(maxDelayMs, ceiling * (1 - jitter + 2 * jitter * random()));
  }

  /**
   * Runs `call` unless the circuit says the upstream is failing. `waitMs` overrides how long this
   * caller may wait for probes (0: one try when closed, else the error at once; e.g. a caller
   * that has something valid to fall back on).
   */
  async run<T>(call: () => Promise<T>, waitMs?: number): Promise<T> {
    const { clock } = this.options;
    const deadline = clock.now() + (waitMs ?? (this.failure ? this.options.laterCallerWaitMs : this.options.firstCallerWaitMs));
    for (;;) {
      const failure = this.failure;
      if (!failure) {
        try {
          const value = await call();
          this.succeeded();
          return value;
        } catch (err) {
          if (!this.options.isFailure(err)) throw err;
          this.failed(err, !this.failure);
          continue;
        }
      }
      const now = clock.now();
      if (this.probe) {
        if (now >= deadline) throw new CircuitOpenError(failure.last, undefined, failure.since);
        await Promise.race([this.probe, clock.sleep(deadline - now)]);
        continue;
      }
      if (now >= failure.retryAt) {
        const outcome = await this.runProbe(call, deadline);
        if (!outcome) throw new CircuitOpenError(this.failure?.last ?? failure.last, undefined, failure.since);
        if (outcome.ok) return outcome.value;
        if (!this.options.isFailure(outcome.err)) throw outcome.err;
        continue;
      }
      // Wait for the next probe only when there is time to wait for its answer too.
      if (failure.retryAt + MIN_PROBE_WAIT_MS > deadline) throw new CircuitOpenError(failure.last, failure.retryAt, failure.since);
      await clock.sleep(failure.retryAt - now);
    }
  }

  /**
   * This caller's call is the probe. It goes on after the caller stops waiting (undefined), and its
   * outcome moves the circuit either way.
   */
  private async runProbe<T>(call: () => Promise<T>, deadline: number): Promise<{ ok: true; value: T } | { ok: false; err: unknown } | undefined> {
    let outcome: { ok: true; value: T } | { ok: false; err: unknown } | undefined;
    const settled: Promise<void> = call()
      .then(
        (value) => {
          this.succeeded();
          outcome = { ok: true, value };
        },
        (err: unknown) => {
          // An answer that is not a failure (a refusal, say) shows the upstream is back.
          if (this.options.isFailure(err)) this.failed(err, true);
          else this.succeeded();
          outcome = { ok: false, err };
        },
      )
      .finally(() => {
        if (this.probe === settled) this.probe = undefined;
      });
    this.probe = settled;
    const { clock } = this.options;
    await Promise.race([settled, clock.sleep(Math.max(0, deadline - clock.now()))]);
    return outcome;
  }

  private succeeded(): void {
    this.failure = undefined;
  }

  /** `counts`: a failure of a call made since the last one (not one that was in flight when the circuit opened). */
  private failed(err: unknown, counts: boolean): void {
    const now = this.options.clock.now();
    if (!this.failure) {
      this.failure = { since: now, last: err, count: 1, retryAt: now + this.delayAfter(1) };
      return;
    }
    this.failure.last = err;
    if (!counts) return;
    this.failure.count++;
    this.failure.retryAt = now + this.delayAfter(this.failure.count);
  }
}

/** One circuit per key (an upstream), made on first use. */
export class Circuits {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly options: CircuitOptions) {}

  get(key: string): Circuit {
    let circuit = this.circuits.get(key);
    if (!circuit) this.circuits.set(key, (circuit = new Circuit(this.options)));
    return circuit;
  }

  /** Every circuit that is failing now, by key. */
  failing(): { key: string; state: CircuitState }[] {
    const out: { key: string; state: CircuitState }[] = [];
    for (const [key, circuit] of this.circuits) {
      const state = circuit.state();
      if (state) out.push({ key, state });
    }
    return out;
  }
}
