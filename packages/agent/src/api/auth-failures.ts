// Wrong API keys counted per client address, in a fixed window that starts at an address's first
// miss (as @fastify/rate-limit counts requests). Pure: the caller passes the time. The table is
// bounded, so a caller rotating addresses (an IPv6 range) cannot grow it without limit: past
// `maxAddresses`, expired windows go first, then the oldest.

export interface FailureCount {
  /** Wrong keys from this address in its current window, this one included. */
  count: number;
  /** When the window ends (ms since the epoch): the address starts again from 0. */
  resetAt: number;
}

export class AuthFailureCounter {
  private readonly windows = new Map<string, FailureCount>();
  private readonly windowMs: number;
  private readonly maxAddresses: number;

  constructor(windowMs: number, maxAddresses = 10_000) {
    this.windowMs = windowMs;
    this.maxAddresses = maxAddresses;
  }

  /** Counts one wrong key from `address` at `nowMs`. */
  record(address: string, nowMs: number): FailureCount {
    let window = this.windows.get(address);
    if (!window || nowMs >= window.resetAt) {
      // Re-inserted, so the map's order stays oldest window first.
      this.windows.delete(address);
      window = { count: 0, resetAt: nowMs + this.windowMs };
      this.windows.set(address, window);
      this.bound(nowMs);
    }
    window.count++;
    return { ...window };
  }

  /** Addresses with a window (expired ones included until they are swept). */
  get size(): number {
    return this.windows.size;
  }

  private bound(nowMs: number): void {
    if (this.windows.size <= this.maxAddresses) return;
    for (const [address, window] of this.windows) {
      if (nowMs >= window.resetAt) this.windows.delete(address);
    }
    for (const address of this.windows.keys()) {
      if (this.windows.size <= this.maxAddresses) break;
      this.windows.delete(address);
    }
  }
}
