// Which hashrate and power a miner's profit is figured at, and whether it can be figured at all.
// Measured for a hashing miner; at nameplate ("if it ran") for one that is not; and the figures
// the RUN/STOP rule judges, at the expected hashrate and nameplate efficiency. A power that is not
// known is an unknown margin, never a cost of $0: a miner priced at $0/day would always look
// profitable and never be stopped.

import type { ModelSpec } from "../models.ts";
import type { Telemetry } from "../telemetry.ts";
import { computeProfit, type Economics, type Profit } from "./profit.ts";
import type { ProfitBody } from "./records.ts";

export type MinerProfit =
  | {
      known: true;
      basis: Exclude<ProfitBody["basis"], "fleet">;
      hashrateThs: string;
      powerW: number;
      profit: Profit;
      /** What the RUN/STOP rule judges: the expected figures, or the measured ones when those are all there is. */
      economic: Profit;
    }
  | {
      known: false;
      /** MARGIN_UNKNOWN: a figure is missing; PROFIT_UNAVAILABLE: the figures cannot be computed. */
      reason: "MARGIN_UNKNOWN" | "PROFIT_UNAVAILABLE";
      detail: string;
    };

const setModel =
  'set the miner\'s model in the configuration (MINER_<m>_MODEL, OPERATOR_<n>_MINER_<m>_MODEL or "model" in OPERATORS_JSON) so its nameplate gives the power';

export function minerProfit(
  t: Telemetry,
  spec: ModelSpec | undefined,
  hashing: boolean,
  economics: Economics,
): MinerProfit {
  const expectedThs = t.expectedThs ?? (spec ? String(spec.nameplateThs) : null);
  const expectedPowerW = spec && expectedThs !== null ? Math.round(Number(expectedThs) * spec.joulesPerTh) : null;
  const hashrateThs = hashing ? t.hashrateThs : expectedThs;
  const powerW = hashing ? t.powerW : expectedPowerW;
  if (hashrateThs === null) {
    return {
      known: false,
      reason: "MARGIN_UNKNOWN",
      detail: `not hashing, and what it would earn is unknown (no expected hashrate, no known model): ${setModel}`,
    };
  }
  if (powerW === null) {
    return {
      known: false,
      reason: "MARGIN_UNKNOWN",
      detail: hashing
        ? `the miner reports no power and its model is unknown, so its cost and margin are unknown (not $0): ${setModel}`
        : `not hashing, and its power at nameplate is unknown (no known model), so its margin is unknown: ${setModel}`,
    };
  }
  try {
    const profit = computeProfit(hashrateThs, powerW, economics);
    const economic =
      expectedThs !== null && expectedPowerW !== null ? expectedProfit(expectedThs, expectedPowerW, economics) : profit;
    return { known: true, basis: hashing ? "measured" : "nameplate", hashrateThs, powerW, profit, economic };
  } catch (error) {
    // Bounds upstream keep real figures inside the exact range; this is the last guard, per miner.
    return {
      known: false,
      reason: "PROFIT_UNAVAILABLE",
      detail: `its profit cannot be computed from ${hashrateThs} TH/s and ${powerW} W: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

// The expected figures per (rate, power) for one set of economics (a cycle's): they come from a
// model's nameplate or the rate its firmware reports, so a fleet of a few models asks for the same
// few thousands of times a cycle. Read only, like the figures decide() gets.
const expectedFigures = new WeakMap<Economics, Map<string, Profit>>();
const maxExpectedFigures = 1_000;

function expectedProfit(expectedThs: string, powerW: number, economics: Economics): Profit {
  let known = expectedFigures.get(economics);
  if (known === undefined) {
    known = new Map();
    expectedFigures.set(economics, known);
  }
  const key = `${expectedThs} ${powerW}`;
  let profit = known.get(key);
  if (profit === undefined) {
    profit = computeProfit(expectedThs, powerW, economics);
    if (known.size < maxExpectedFigures) known.set(key, profit);
  }
  return profit;
}
