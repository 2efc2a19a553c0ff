// Builds the configured price and network sources.

import type { Clock } from "../clock.ts";
import type { FleetConfig } from "../config/load-config.ts";
import { MarketCache } from "./market-cache.ts";
import {
  coinGeckoPrice,
  fixedSource,
  mempoolNetwork,
  mempoolPrice,
  type NetworkSource,
  type PriceSource,
} from "./sources.ts";

export function marketFromConfig(market: FleetConfig["market"], clock: Clock): MarketCache {
  const now = () => clock.now();
  const fixed = fixedSource(market.fixed, now);
  const price: PriceSource =
    market.price.kind === "coingecko"
      ? coinGeckoPrice(market.price.url, now)
      : market.price.kind === "mempool"
        ? mempoolPrice(market.price.url, now)
        : fixed;
  const network: NetworkSource = market.network.kind === "mempool" ? mempoolNetwork(market.network.url, now) : fixed;
  return new MarketCache({ price, network, clock, refreshMs: market.refreshMs, timeoutMs: market.timeoutMs });
}
