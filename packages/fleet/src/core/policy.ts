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

/** The shortest loop period accepted, ms. */
export const minPollIntervalMs = 1_000;

/** One setting's own problem, or a relation between two settings that does not hold. */
export type PolicyIssue =
  | { kind: "value"; field: keyof Policy; problem: string }
  | {
      kind: "order";
      /** `low` must be below `high` (strict) or at most `high`. */
      low: keyof Policy;
      high: keyof Policy;
      strict: boolean;
    };

/** Checks every threshold and the relations between them. */
export function policyIssues(policy: Policy): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const value = (field: keyof Policy, problem: string) => issues.push({ kind: "value", field, problem });
  for (const [key, setting] of Object.entries(policy) as [keyof Policy, unknown][]) {
    if (typeof setting !== "number" || !Number.isFinite(setting)) value(key, "must be a finite number");
  }
  // Milliseconds: POLL_INTERVAL_MS=30 (meant as seconds) ran 37 cycles a second and wrote
  // megabytes of ledger a minute. No miner's figures change that fast.
  if (!(policy.pollIntervalMs >= minPollIntervalMs))
    value(
      "pollIntervalMs",
      `must be at least ${minPollIntervalMs} (milliseconds: 30000 is 30 s), got ${policy.pollIntervalMs}`,
    );
  const positive: (keyof Policy)[] = [
    "staleTelemetryMs",
    "stalePriceMs",
    "staleNetworkMs",
    "lostCommsPolls",
    "maxHashrateFactor",
    "underperformCycles",
  ];
  for (const key of positive) if (!(policy[key] > 0)) value(key, "must be greater than 0");
  const nonNegative: (keyof Policy)[] = ["cooldownMs", "maxRestartsPerHour", "hysteresisFraction"];
  for (const key of nonNegative) if (!(policy[key] >= 0)) value(key, "must not be negative");
  if (!(policy.tempWarnC < policy.tempStopC))
    issues.push({ kind: "order", low: "tempWarnC", high: "tempStopC", strict: true });
  if (!(policy.tempMinC < policy.tempMaxC))
    issues.push({ kind: "order", low: "tempMinC", high: "tempMaxC", strict: true });
  if (!(policy.tempStopC <= policy.tempMaxC))
    issues.push({ kind: "order", low: "tempStopC", high: "tempMaxC", strict: false });
  if (!(policy.underperformFraction > 0 && policy.underperformFraction <= 1))
    value("underperformFraction", "must be in (0, 1]");
  if (!(policy.hysteresisFraction < 1)) value("hysteresisFraction", "must be below 1");
  for (const key of ["lostCommsPolls", "underperformCycles", "maxRestartsPerHour"] as const) {
    if (!Number.isInteger(policy[key])) value(key, "must be a whole number");
  }
  return issues;
}

/** The issues as "field: problem" lines, in the policy's own field names. */
export function policyProblems(policy: Policy): string[] {
  return policyIssues(policy).map((issue) =>
    issue.kind === "value"
      ? `${issue.field}: ${issue.problem}`
      : `${issue.low}: must be ${issue.strict ? "below" : "at most"} ${issue.high}`,
  );
}
