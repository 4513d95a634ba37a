// Injected faults: the next `count` calls of an operation wait `latencyMs` and/or fail with `status`.

export interface Fault {
  status?: number;
  latencyMs?: number;
  count: number;
}

export class Faults {
  private readonly queued = new Map<string, Fault[]>();

  add(operation: string, fault: Fault): void {
    const list = this.queued.get(operation) ?? [];
    list.push({ ...fault });
    this.queued.set(operation, list);
  }

  clear(): void {
    this.queued.clear();
  }

  /** The fault that applies to this call, if any, using one of its count. */
  take(operation: string): Fault | undefined {
    const list = this.queued.get(operation);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) list.shift();
    return fault;
  }

  pending(): Record<string, Fault[]> {
    return Object.fromEntries([...this.queued].filter(([, list]) => list.length > 0));
  }
}
