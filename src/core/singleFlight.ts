/** Concurrent callers asking for the same key share one in-flight promise. */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing;
    const promise = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }
}

/** The keyless SingleFlight: callers during a flight share its promise; the next call after it starts anew. */
export class OneFlight<T> {
  private current?: Promise<T>;

  run(work: () => Promise<T>): Promise<T> {
    return (this.current ??= work().finally(() => (this.current = undefined)));
  }
}
