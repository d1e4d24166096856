// A shared allowance (e.g. MiB of memory held by all requests at once). Requests that would exceed it
// are refused instead of queued, so a crowd of large requests cannot exhaust the host.
export class CapacityBudget {
  private used = 0;
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get inUse(): number {
    return this.used;
  }

  /** Takes `amount` if it fits; returns a release function, or null when the budget is exhausted. */
  tryAcquire(amount: number): (() => void) | null {
    if (this.used + amount > this.limit) return null;
    this.used += amount;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= amount;
    };
  }
}
