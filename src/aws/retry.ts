// Bounded exponential backoff with full jitter, for throttling (429) and server faults (5xx): the
// sign-in's calls (registration, device authorization, CreateToken polling) and, through its
// limiter, the account listing. The credential calls do not retry here: their circuits do
// (aws/circuits.ts), so that clients share one failure instead of each waiting out its own.

export interface RetryPolicy {
  /** First delay ceiling in ms; each attempt doubles it up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up once this much time has passed since the first attempt. */
  maxElapsedMs: number;
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 200, maxDelayMs: 5_000, maxElapsedMs: 30_000, maxAttempts: 12 };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** HTTP status of an AWS SDK error, when it has one. */
export function httpStatusOf(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata;
  return meta?.httpStatusCode;
}

const THROTTLE_NAMES = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'SlowDownException']);

/** Throttling, by status or by name (STS says Throttling with a 400). */
export function isThrottle(err: unknown): boolean {
  return httpStatusOf(err) === 429 || THROTTLE_NAMES.has((err as { name?: string })?.name ?? '');
}

export function isThrottleOrServerFault(err: unknown): boolean {
  const status = httpStatusOf(err);
  return isThrottle(err) || (status !== undefined && status >= 500);
}

/** Full jitter: a random delay up to a ceiling that doubles with each attempt, capped. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

export async function withRetry<T>(
  operation: () => Promise<T>,
  shouldRetry: (err: unknown) => boolean = isThrottleOrServerFault,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      const delay = backoffDelay(policy, attempt);
      const outOfTime = Date.now() - started + delay > policy.maxElapsedMs;
      if (!shouldRetry(err) || attempt >= policy.maxAttempts || outOfTime) throw err;
      await sleep(delay);
    }
  }
}
