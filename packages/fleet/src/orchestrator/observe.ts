// Turning what the adapters and the market cache returned into observation record bodies.

import type { PollOutcome } from "../cgminer/adapter.ts";
import type { NetworkBody, PriceBody, TelemetryBody } from "../core/records.ts";
import type { MarketSnapshot } from "../market/market-cache.ts";

export function telemetryBody(cycle: number, outcome: PollOutcome): TelemetryBody {
  if (outcome.ok) return { cycle, minerId: outcome.minerId, ok: true, telemetry: outcome.telemetry };
  return {
    cycle,
    failure: outcome.failure,
    minerId: outcome.minerId,
    ok: false,
    rawSha256: outcome.rawSha256,
    reason: outcome.reason,
  };
}

export function priceBody(cycle: number, market: MarketSnapshot): PriceBody {
  const { quote, fetchedAt, error } = market.price;
  return {
    cycle,
    available: quote !== null,
    usdPerBtc: quote?.usdPerBtc ?? null,
    microUsdPerBtc: quote?.microUsdPerBtc ?? null,
    source: quote?.source ?? null,
    sourceAt: quote?.sourceAt ?? null,
    fetchedAt,
    error: missingWhy(quote, error),
  };
}

/** Why a figure is missing, always said: the fetch error, or that none has answered yet. */
function missingWhy(quote: unknown, error: string | null): string | null {
  if (error !== null || quote !== null) return error;
  return "no answer from the source yet";
}

export function networkBody(cycle: number, market: MarketSnapshot): NetworkBody {
  const { quote, fetchedAt, error } = market.network;
  return {
    cycle,
    available: quote !== null,
    difficulty: quote?.difficulty ?? null,
    feesPerBlockSat: quote?.feesPerBlockSat ?? null,
    height: quote?.height ?? null,
    source: quote?.source ?? null,
    sourceAt: quote?.sourceAt ?? null,
    fetchedAt,
    error: missingWhy(quote, error),
  };
}
