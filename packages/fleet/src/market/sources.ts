// Where the BTC price and the network figures come from. Each source is an HTTP API in a
// well-known shape; the fixed source is for offline use (the default with no configuration).
//
//   price   coingecko  GET {base}/api/v3/simple/price?ids=bitcoin&vs_currencies=usd&include_last_updated_at=true
//           mempool    GET {base}/api/v1/prices            → {"time": 1703252411, "USD": 43753, ...}
//   network mempool    GET {base}/api/v1/mining/hashrate/3d → currentDifficulty
//                      GET {base}/api/v1/mining/reward-stats/144 → totalFee over the last 144 blocks
//                      GET {base}/api/blocks/tip/height    → height (for the subsidy)

import { microUsd } from "../core/profit.ts";
import { decimalFromNumber } from "../decimal.ts";

export interface PriceQuote {
  usdPerBtc: string;
  microUsdPerBtc: number;
  source: string;
  /** When the source says the price was valid (ISO). */
  sourceAt: string;
}

export interface NetworkQuote {
  difficulty: string;
  feesPerBlockSat: number;
  height: number | null;
  source: string;
  sourceAt: string;
}

export interface PriceSource {
  readonly name: string;
  fetchPrice(signal: AbortSignal): Promise<PriceQuote>;
}

export interface NetworkSource {
  readonly name: string;
  fetchNetwork(signal: AbortSignal): Promise<NetworkQuote>;
}

async function getJson(url: string, signal: AbortSignal): Promise<{ body: unknown; date: string | null }> {
  const response = await fetch(url, { signal, headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}`);
  const text = await response.text();
  try {
    return { body: JSON.parse(text) as unknown, date: response.headers.get("date") };
  } catch {
    throw new Error(`GET ${url} did not answer JSON`);
  }
}

function isoFromHttpDate(date: string | null, fallback: number): string {
  const parsed = date ? Date.parse(date) : Number.NaN;
  return new Date(Number.isNaN(parsed) ? fallback : parsed).toISOString();
}

function field(body: unknown, path: string[], url: string): unknown {
  let value = body;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !(key in value))
      throw new Error(`${url}: missing field ${path.join(".")}`);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function positiveNumber(value: unknown, what: string): number {
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number) || number <= 0)
    throw new Error(`${what} is not a positive number: ${JSON.stringify(value)}`);
  return number;
}

function priceQuote(usd: number, source: string, sourceAt: string): PriceQuote {
  const text = decimalFromNumber(usd, 2) ?? "0";
  const micro = microUsd(text);
  if (micro === undefined) throw new Error(`price ${usd} is out of range`);
  return { usdPerBtc: text, microUsdPerBtc: micro, source, sourceAt };
}

export function coinGeckoPrice(baseUrl: string, clock: () => number = Date.now): PriceSource {
  const base = baseUrl.replace(/\/+$/, "");
  const url = `${base}/api/v3/simple/price?ids=bitcoin&vs_currencies=usd&include_last_updated_at=true`;
  return {
    name: `coingecko ${base}`,
    async fetchPrice(signal) {
      const { body, date } = await getJson(url, signal);
      const usd = positiveNumber(field(body, ["bitcoin", "usd"], url), "bitcoin.usd");
      const updated = (body as { bitcoin?: { last_updated_at?: unknown } }).bitcoin?.last_updated_at;
      const sourceAt =
        typeof updated === "number" && Number.isFinite(updated)
          ? new Date(updated * 1000).toISOString()
          : isoFromHttpDate(date, clock());
      return priceQuote(usd, `coingecko ${base}`, sourceAt);
    },
  };
}

export function mempoolPrice(baseUrl: string, clock: () => number = Date.now): PriceSource {
  const base = baseUrl.replace(/\/+$/, "");
  const url = `${base}/api/v1/prices`;
  return {
    name: `mempool ${base}`,
    async fetchPrice(signal) {
      const { body, date } = await getJson(url, signal);
      const usd = positiveNumber(field(body, ["USD"], url), "USD");
      const time = (body as { time?: unknown }).time;
      const sourceAt =
        typeof time === "number" && Number.isFinite(time)
          ? new Date(time * 1000).toISOString()
          : isoFromHttpDate(date, clock());
      return priceQuote(usd, `mempool ${base}`, sourceAt);
    },
  };
}

export function mempoolNetwork(baseUrl: string, clock: () => number = Date.now, blocks = 144): NetworkSource {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    name: `mempool ${base}`,
    async fetchNetwork(signal) {
      const hashrateUrl = `${base}/api/v1/mining/hashrate/3d`;
      const rewardUrl = `${base}/api/v1/mining/reward-stats/${blocks}`;
      const heightUrl = `${base}/api/blocks/tip/height`;
      const [hashrate, reward, height] = await Promise.all([
        getJson(hashrateUrl, signal),
        getJson(rewardUrl, signal),
        getJson(heightUrl, signal),
      ]);
      const difficulty = positiveNumber(field(hashrate.body, ["currentDifficulty"], hashrateUrl), "currentDifficulty");
      const totalFee = Number(field(reward.body, ["totalFee"], rewardUrl));
      const start = Number((reward.body as { startBlock?: unknown }).startBlock);
      const end = Number((reward.body as { endBlock?: unknown }).endBlock);
      const count = Number.isFinite(start) && Number.isFinite(end) && end >= start ? end - start + 1 : blocks;
      if (!Number.isFinite(totalFee) || totalFee < 0) throw new Error(`${rewardUrl}: totalFee is not a number`);
      const tip = Number(height.body);
      return {
        difficulty: decimalFromNumber(difficulty, 2) ?? String(difficulty),
        feesPerBlockSat: Math.round(totalFee / Math.max(1, count)),
        height: Number.isSafeInteger(tip) && tip > 0 ? tip : null,
        source: `mempool ${base}`,
        sourceAt: isoFromHttpDate(hashrate.date, clock()),
      };
    },
  };
}

export interface FixedMarket {
  usdPerBtc: string;
  difficulty: string;
  feesPerBlockSat: number;
  height: number | null;
}

/** Offline defaults: round figures of the 2025 network, clearly labelled as fixed. */
export const defaultFixedMarket: FixedMarket = {
  usdPerBtc: "100000",
  difficulty: "126000000000000",
  feesPerBlockSat: 2_000_000,
  height: 900_000,
};

/** A source that always answers the same figures, valid "now" (for offline use and tests). */
export function fixedSource(values: FixedMarket, clock: () => number = Date.now): PriceSource & NetworkSource {
  const micro = microUsd(values.usdPerBtc);
  if (micro === undefined || micro <= 0)
    throw new Error(`fixed price must be a positive decimal, got '${values.usdPerBtc}'`);
  return {
    name: "fixed",
    async fetchPrice() {
      return {
        usdPerBtc: values.usdPerBtc,
        microUsdPerBtc: micro,
        source: "fixed",
        sourceAt: new Date(clock()).toISOString(),
      };
    },
    async fetchNetwork() {
      return {
        difficulty: values.difficulty,
        feesPerBlockSat: values.feesPerBlockSat,
        height: values.height,
        source: "fixed",
        sourceAt: new Date(clock()).toISOString(),
      };
    },
  };
}
