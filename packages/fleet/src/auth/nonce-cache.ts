// Nonces seen per operator within the accepted clock skew: a request signed with a nonce that
// was already used is a replay. Entries expire once their timestamp is outside the window (then
// the skew check refuses the request anyway), so memory is bounded by the request rate.

export class NonceCache {
  private readonly seen = new Map<string, number>(); // "operator\nnonce" → expiry (ms)
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private lastSweep = 0;

  constructor(options: { windowMs: number; maxEntries?: number }) {
    this.windowMs = options.windowMs;
    this.maxEntries = options.maxEntries ?? 1_000_000;
  }

  /**
   * Records the nonce; false when it was already used (a replay) or when the cache is full of
   * live nonces (refuse rather than forget one and allow a replay).
   */
  remember(operatorId: string, nonce: string, nowMs: number): "fresh" | "replayed" | "full" {
    this.sweep(nowMs);
    const key = `${operatorId}\n${nonce}`;
    const expiry = this.seen.get(key);
    if (expiry !== undefined && expiry > nowMs) return "replayed";
    if (this.seen.size >= this.maxEntries) return "full";
    // A nonce must stay known for as long as its timestamp could still pass the skew check.
    this.seen.set(key, nowMs + 2 * this.windowMs);
    return "fresh";
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweep < 1_000 && this.seen.size < this.maxEntries) return;
    this.lastSweep = nowMs;
    for (const [key, expiry] of this.seen) if (expiry <= nowMs) this.seen.delete(key);
  }
}
