// What goes wrong across a fleet, for the log. A cycle that completes can still be one where the
// simulator or a switch died (every poll failed), the price source has answered 503 for ten
// minutes, a $0.50 price gated every miner, or a STOP the firmware cannot carry out comes back
// every cycle; "cycle done" says none of that. Each such condition is a warning once when it
// starts (what, how many, an example), a "still …" line at most every 10 minutes while it lasts
// (at once when it has doubled since the last line), and one info line when it clears.
//
// The same conditions, as they stand after the latest cycle, are what GET /miners answers
// (`current()`), so the dashboard says what the controller says rather than its own version.
//
// Pure: fed one cycle report at a time with the clock's time, it returns the lines to log.

import type { CycleReport } from "./cycle-report.ts";

export interface ConditionLine {
  level: "warn" | "info";
  fields: Record<string, unknown>;
  message: string;
}

/** A condition as the latest cycle leaves it, for the API (GET /miners `conditions`). */
export interface FleetCondition {
  /** Stable across cycles: what the condition is ("polls-failed", "price-source", "gate:STALE_PRICE"). */
  code: string;
  severity: "warn";
  /**
   * When the first cycle of this process that showed it ran (a condition that held before a restart
   * counts from the first cycle after it); null: not known (read back after a restart).
   */
  since: string | null;
  /** Consecutive cycles that showed it; null: not known (read back after a restart). */
  cycles: number | null;
  /** How many miners (1 for a market source). */
  count: number;
  /** The fleet's size beside the count; null for a market source. */
  of: number | null;
  /** The log's words: what, how many, one example of it as a record says it. */
  text: string;
  /** Up to five miner ids it concerns. */
  examples: string[];
}

/** One condition as one cycle shows it. */
export interface Seen {
  /** Stable across cycles: what the condition is, not how big. */
  key: string;
  /** What it is, in words, without the count ("gated by STALE_PRICE"). */
  what: string;
  count: number;
  /** The fleet's size, said with the count ("3004 of 3004 miners"); null for a market source. */
  of: number | null;
  /** One example of it, as a record says it. */
  detail: string;
  examples: string[];
}

interface Active {
  seen: Seen;
  sinceMs: number;
  cycles: number;
  loggedAtMs: number;
  loggedCount: number;
}

/** At most one "still …" line per condition in this time, unless it doubled. */
export const STILL_EVERY_MS = 600_000;
/** A fleet-wide poll failure is news; one flaky miner is its LOST_COMMS gate's business. */
const FAILED_POLLS_FRACTION = 0.05;
/** A person's mode or dry-run setting suppresses by design: not a condition. */
const chosenSuppressions = new Set(["MANUAL_MODE", "DRY_RUN", "HOLD"]);
const EXAMPLES = 5;
/** The latches decide.ts holds a miner by, hashing or not. */
const latches = new Set(["STOPPED_BY_OPERATOR", "THERMAL_LATCH"]);

export class FleetConditions {
  private readonly active = new Map<string, Active>();

  observe(report: CycleReport, nowMs: number): ConditionLine[] {
    const lines: ConditionLine[] = [];
    const seen = conditionsOf(report);
    const base = { operator: report.operatorId, cycleSeq: report.cycleSeq };
    for (const condition of seen.values()) {
      const active = this.active.get(condition.key);
      const fields = {
        ...base,
        condition: condition.key,
        count: condition.count,
        examples: condition.examples,
        detail: condition.detail,
      };
      if (!active) {
        this.active.set(condition.key, {
          seen: condition,
          sinceMs: nowMs,
          cycles: 1,
          loggedAtMs: nowMs,
          loggedCount: condition.count,
        });
        lines.push({ level: "warn", fields, message: `${startLine(condition)}: ${condition.detail}` });
        continue;
      }
      active.seen = condition;
      active.cycles++;
      const doubled = condition.count >= 2 * active.loggedCount;
      if (!doubled && nowMs - active.loggedAtMs < STILL_EVERY_MS) continue;
      active.loggedAtMs = nowMs;
      active.loggedCount = condition.count;
      lines.push({
        level: "warn",
        fields: { ...fields, cycles: active.cycles, since: iso(active.sinceMs) },
        message: `still ${startLine(condition)}, ${cycles(active.cycles)} since ${iso(active.sinceMs)}: ${condition.detail}`,
      });
    }
    for (const [key, active] of this.active) {
      if (seen.has(key)) continue;
      this.active.delete(key);
      lines.push({
        level: "info",
        fields: { ...base, condition: key, cycles: active.cycles, since: iso(active.sinceMs) },
        message: `cleared: ${active.seen.what}, after ${cycles(active.cycles)} since ${iso(active.sinceMs)}`,
      });
    }
    return lines;
  }

  /** The conditions the latest observed cycle showed, oldest first. */
  current(): FleetCondition[] {
    return [...this.active.values()].map(({ seen, sinceMs, cycles }) => conditionOf(seen, iso(sinceMs), cycles));
  }
}

/** A condition one cycle shows, as the API says it. */
export function conditionOf(seen: Seen, since: string | null, cycles: number | null): FleetCondition {
  return {
    code: seen.key,
    severity: "warn",
    since,
    cycles,
    count: seen.count,
    of: seen.of,
    text: `${startLine(seen)}: ${seen.detail}`,
    examples: seen.examples,
  };
}

function startLine(condition: Seen): string {
  return condition.of === null ? condition.what : `${condition.count} of ${condition.of} miners: ${condition.what}`;
}

/** What of a cycle's report the conditions are read from (also rebuilt from its records after a restart). */
export type ConditionInput = Pick<
  CycleReport,
  "miners" | "polled" | "pollFailures" | "market" | "decisions" | "negativeProofs" | "receipts"
>;

/** The conditions one cycle shows, by key. */
export function conditionsOf(report: ConditionInput): Map<string, Seen> {
  const seen = new Map<string, Seen>();
  const fleet = report.miners;
  const add = (key: string, what: string, of: number, detail: string, example: string | null) => {
    const condition = seen.get(key) ?? { key, what, count: 0, of, detail, examples: [] };
    condition.count++;
    if (example !== null && condition.examples.length < EXAMPLES) condition.examples.push(example);
    seen.set(key, condition);
  };

  const failed = report.polled.failed;
  if (failed > 0 && failed >= Math.max(1, report.miners * FAILED_POLLS_FRACTION)) {
    const why = Object.entries(report.pollFailures)
      .sort((a, b) => b[1] - a[1])
      .map(([failure, n]) => `${failure} ${n}`)
      .join(", ");
    seen.set("polls-failed", {
      key: "polls-failed",
      what: "polls failed",
      count: failed,
      of: fleet,
      detail: `failed polls by why: ${why}`,
      examples: [],
    });
  }

  for (const [name, market] of Object.entries(report.market)) {
    if (market.error === null) continue;
    const key = `${name}-source`;
    seen.set(key, {
      key,
      what: `the ${name} source is failing`,
      count: 1,
      of: null,
      detail: `${market.source === null ? "" : `${market.source}: `}${market.error}`,
      examples: [],
    });
  }

  const decisions = new Map(report.decisions.map((decision) => [decision.minerId, decision]));
  for (const proof of report.negativeProofs) {
    if (proof.stage === "gate") {
      for (const code of proof.reason.split(",")) {
        const source = code.endsWith("_PRICE")
          ? report.market.price
          : code.endsWith("_NETWORK")
            ? report.market.network
            : null;
        // The divergence's detail is evidence replay compares, so the source's failure is said here.
        const failing = source?.error ? `; the source's last fetch failed: ${source.error}` : "";
        add(`gate:${code}`, `gated by ${code}`, fleet, `${proof.detail}${failing}`, proof.minerId);
      }
      continue;
    }
    if (chosenSuppressions.has(proof.reason) || proof.reason === "COOLDOWN") continue;
    const decision = decisions.get(proof.minerId);
    const wanted = `${proof.suppressed}${decision && decision.action !== "HOLD" ? ` (${decision.reason})` : ""}`;
    add(
      `${proof.stage}:${wanted}:${proof.reason}`,
      `${wanted} not carried out (${proof.reason})`,
      fleet,
      proof.detail,
      proof.minerId,
    );
  }

  for (const decision of report.decisions) {
    // A latched miner someone started by hand: held, but nobody may know it hashes (decide.ts).
    if (decision.action !== "HOLD" || !latches.has(decision.reason) || !decision.detail.startsWith("hashing again"))
      continue;
    add(
      `latched-hashing:${decision.reason}`,
      `hashing again although latched (${decision.reason}), held without action`,
      fleet,
      decision.detail,
      decision.minerId,
    );
  }

  for (const receipt of report.receipts) {
    if (receipt.status !== "failed") continue;
    add(`receipt:${receipt.action}`, `${receipt.action} failed`, fleet, receipt.detail, receipt.minerId);
  }
  return seen;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function cycles(n: number): string {
  return n === 1 ? "1 cycle" : `${n} cycles`;
}
