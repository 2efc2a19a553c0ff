// Whether this cycle's price and network figures are ones a real market can have (bounds in
// physical-bounds.ts). Each problem names the figure, its value, the range and the source.

import { parseDecimal } from "../decimal.ts";
import { marketBounds } from "./physical-bounds.ts";
import type { Json, NetworkBody, PriceBody } from "./records.ts";

export interface MarketProblem {
  code: "IMPLAUSIBLE_PRICE" | "IMPLAUSIBLE_NETWORK";
  detail: string;
  observed: Json;
  limit: Json;
}

function outside(value: number, range: { min: number; max: number }): boolean {
  return !(value >= range.min && value <= range.max);
}

const from = (source: string | null) => (source ? ` (from ${source})` : "");

export function marketProblems(price: PriceBody, network: NetworkBody): MarketProblem[] {
  const problems: MarketProblem[] = [];
  if (price.available && price.microUsdPerBtc !== null) {
    const usd = price.microUsdPerBtc / 1e6;
    const range = marketBounds.usdPerBtc;
    if (!Number.isSafeInteger(price.microUsdPerBtc) || outside(usd, range)) {
      problems.push({
        code: "IMPLAUSIBLE_PRICE",
        detail: `BTC price $${price.usdPerBtc ?? usd} is outside the plausible range $${range.min}…$${range.max}${from(price.source)}: the market data is unusable`,
        observed: price.usdPerBtc ?? String(usd),
        limit: [range.min, range.max],
      });
    }
  }
  // One finding per record: the network's problems share one (its key is fleet:IMPLAUSIBLE_NETWORK).
  const networkIssues: { detail: string; observed: Json; limit: Json }[] = [];
  if (network.available && network.difficulty !== null) {
    const parsed = parseDecimal(network.difficulty);
    const difficulty = parsed ? Number(parsed.num) / Number(parsed.den) : Number.NaN;
    const range = marketBounds.difficulty;
    if (!parsed || outside(difficulty, range)) {
      networkIssues.push({
        detail: `network difficulty ${network.difficulty} is outside the plausible range ${range.min.toExponential()}…${range.max.toExponential()}`,
        observed: { difficulty: network.difficulty },
        limit: { difficulty: [range.min, range.max] },
      });
    }
  }
  if (network.available && network.feesPerBlockSat !== null) {
    const range = marketBounds.feesPerBlockSat;
    if (!Number.isSafeInteger(network.feesPerBlockSat) || outside(network.feesPerBlockSat, range)) {
      networkIssues.push({
        detail: `fees per block ${network.feesPerBlockSat} sat are outside the plausible range ${range.min}…${range.max} sat`,
        observed: { feesPerBlockSat: network.feesPerBlockSat },
        limit: { feesPerBlockSat: [range.min, range.max] },
      });
    }
  }
  if (networkIssues.length > 0) {
    problems.push({
      code: "IMPLAUSIBLE_NETWORK",
      detail: `${networkIssues.map((p) => p.detail).join("; ")}${from(network.source)}: the market data is unusable`,
      observed: Object.assign({}, ...networkIssues.map((p) => p.observed)) as Json,
      limit: Object.assign({}, ...networkIssues.map((p) => p.limit)) as Json,
    });
  }
  return problems;
}
