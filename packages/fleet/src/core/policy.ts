// Every threshold the checks and the decision rules use. All of it is configuration and all of
// it is written to the ledger (fleet.config), so a decision can be re-derived from the ledger.

export type Mode = "AUTO" | "MANUAL";

export interface Policy {
  /** How often the loop runs, ms. */
  pollIntervalMs: number;
  /** Telemetry older than this is stale (default 2 poll intervals). */
  staleTelemetryMs: number;
  stalePriceMs: number;
  staleNetworkMs: number;
  /** Chip temperature that raises a warning, °C. */
  tempWarnC: number;
  /** Chip temperature at which a hashing miner is stopped, °C. */
  tempStopC: number;
  /** Readings outside this range are physically impossible. */
  tempMinC: number;
  tempMaxC: number;
  /** Failed polls in a row that mean lost communication. */
  lostCommsPolls: number;
  /** A hashrate above nameplate × this is impossible. */
  maxHashrateFactor: number;
  /** Dead band around break-even, as a fraction of revenue: no flapping inside it. */
  hysteresisFraction: number;
  /** Minimum time between two actions on one miner, ms. */
  cooldownMs: number;
  maxRestartsPerHour: number;
  /** Cycles a miner must be unresponsive or under-hashing before a RESTART. */
  underperformCycles: number;
  /** "Far below expected": hashrate under this fraction of expected. */
  underperformFraction: number;
}

export const defaultPolicy: Policy = {
  pollIntervalMs: 30_000,
  staleTelemetryMs: 60_000,
  stalePriceMs: 600_000,
  staleNetworkMs: 3_600_000,
  tempWarnC: 85,
  tempStopC: 95,
  tempMinC: -20,
  tempMaxC: 150,
  lostCommsPolls: 3,
  maxHashrateFactor: 1.5,
  hysteresisFraction: 0.05,
  cooldownMs: 600_000,
  maxRestartsPerHour: 2,
  underperformCycles: 3,
  underperformFraction: 0.5,
};

export interface Site {
  /** Energy price, micro-dollars per kWh. */
  energyMicroUsdPerKwh: number;
  /** Pool fee, parts per million. */
  poolFeePpm: number;
}

/** Checks the relations between thresholds; returns "key: problem" lines. */
export function policyProblems(policy: Policy): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value !== "number" || !Number.isFinite(value)) problems.push(`${key}: must be a finite number`);
  }
  const positive: (keyof Policy)[] = [
    "pollIntervalMs",
    "staleTelemetryMs",
    "stalePriceMs",
    "staleNetworkMs",
    "lostCommsPolls",
    "maxHashrateFactor",
    "underperformCycles",
  ];
  for (const key of positive) if (!(policy[key] > 0)) problems.push(`${key}: must be greater than 0`);
  const nonNegative: (keyof Policy)[] = ["cooldownMs", "maxRestartsPerHour", "hysteresisFraction"];
  for (const key of nonNegative) if (!(policy[key] >= 0)) problems.push(`${key}: must not be negative`);
  if (!(policy.tempWarnC < policy.tempStopC)) problems.push("tempWarnC: must be below tempStopC");
  if (!(policy.tempMinC < policy.tempMaxC)) problems.push("tempMinC: must be below tempMaxC");
  if (!(policy.tempStopC <= policy.tempMaxC)) problems.push("tempStopC: must not exceed tempMaxC");
  if (!(policy.underperformFraction > 0 && policy.underperformFraction <= 1))
    problems.push("underperformFraction: must be in (0, 1]");
  if (!(policy.hysteresisFraction < 1)) problems.push("hysteresisFraction: must be below 1");
  for (const key of ["lostCommsPolls", "underperformCycles", "maxRestartsPerHour"] as const) {
    if (!Number.isInteger(policy[key])) problems.push(`${key}: must be a whole number`);
  }
  return problems;
}
