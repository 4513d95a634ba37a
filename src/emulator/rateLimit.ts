// A token bucket per operation: a burst of `perSecond` calls, refilled at `perSecond` a second.

interface Bucket {
  perSecond: number;
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private defaultPerSecond?: number;
  private readonly perOperation = new Map<string, number | undefined>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(perSecond?: number) {
    this.defaultPerSecond = perSecond || undefined;
  }

  /** Sets the limit for one operation, or for all (clearing per-operation ones). 0 or null turns it off. */
  set(perSecond: number | null | undefined, operation?: string): void {
    const value = perSecond ? perSecond : undefined;
    if (operation) this.perOperation.set(operation, value);
    else {
      this.defaultPerSecond = value;
      this.perOperation.clear();
    }
    this.buckets.clear();
  }

  limitFor(operation: string): number | undefined {
    return this.perOperation.has(operation) ? this.perOperation.get(operation) : this.defaultPerSecond;
  }

  /** Takes one token; false means the call is over the limit. */
  take(operation: string, now = Date.now()): boolean {
    const perSecond = this.limitFor(operation);
    if (!perSecond) return true;
    let bucket = this.buckets.get(operation);
    if (!bucket || bucket.perSecond !== perSecond) {
      bucket = { perSecond, tokens: perSecond, updatedAt: now };
      this.buckets.set(operation, bucket);
    }
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
