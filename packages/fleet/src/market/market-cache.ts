// Price and network figures, cached. A fetch that fails keeps the last good figure with its
// source timestamp, so the data ages honestly and the evidence gate decides when it is too old;
// the error is kept beside it for the record.

import type { Clock } from "../clock.ts";
import type { NetworkQuote, NetworkSource, PriceQuote, PriceSource } from "./sources.ts";

export interface Cached<T> {
  quote: T | null;
  fetchedAt: string | null;
  /** The latest fetch error, cleared by the next success. */
  error: string | null;
}

export interface MarketSnapshot {
  price: Cached<PriceQuote>;
  network: Cached<NetworkQuote>;
}

export interface MarketCacheOptions {
  price: PriceSource;
  network: NetworkSource;
  clock: Clock;
  /** Per-fetch deadline, ms. */
  timeoutMs?: number;
  /** Don't ask a source again sooner than this, ms. */
  refreshMs?: number;
}

export class MarketCache {
  private readonly options: Required<MarketCacheOptions>;
  private price: Cached<PriceQuote> = { quote: null, fetchedAt: null, error: null };
  private network: Cached<NetworkQuote> = { quote: null, fetchedAt: null, error: null };
  private priceAsked = Number.NEGATIVE_INFINITY;
  private networkAsked = Number.NEGATIVE_INFINITY;
  private priceFetch: Promise<void> | null = null;
  private networkFetch: Promise<void> | null = null;

  constructor(options: MarketCacheOptions) {
    this.options = { timeoutMs: 5_000, refreshMs: 60_000, ...options };
  }

  /**
   * Refreshes what is due and returns the figures with their ages. Never rejects. One cache serves
   * every operator: a snapshot asked while a fetch is under way waits for that fetch and shares
   * its result, rather than answering with what the cache held before it (nothing, at start).
   */
  async snapshot(): Promise<MarketSnapshot> {
    const now = this.options.clock.now();
    if (!this.priceFetch && (now - this.priceAsked >= this.options.refreshMs || this.price.error !== null)) {
      this.priceAsked = now;
      this.priceFetch = this.fetch((signal) => this.options.price.fetchPrice(signal))
        .then((result) => {
          this.price = result.ok
            ? { quote: result.value, fetchedAt: new Date(now).toISOString(), error: null }
            : { ...this.price, error: result.error };
        })
        .finally(() => {
          this.priceFetch = null;
        });
    }
    if (!this.networkFetch && (now - this.networkAsked >= this.options.refreshMs || this.network.error !== null)) {
      this.networkAsked = now;
      this.networkFetch = this.fetch((signal) => this.options.network.fetchNetwork(signal))
        .then((result) => {
          this.network = result.ok
            ? { quote: result.value, fetchedAt: new Date(now).toISOString(), error: null }
            : { ...this.network, error: result.error };
        })
        .finally(() => {
          this.networkFetch = null;
        });
    }
    await Promise.all([this.priceFetch, this.networkFetch]);
    return { price: this.price, network: this.network };
  }

  private async fetch<T>(
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
    try {
      return { ok: true, value: await run(AbortSignal.timeout(this.options.timeoutMs)) };
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const message =
        error instanceof Error
          ? error.name === "TimeoutError"
            ? `no answer within ${this.options.timeoutMs} ms`
            : `${error.message}${typeof cause === "string" ? ` (${cause})` : ""}`
          : String(error);
      return { ok: false, error: message };
    }
  }
}
