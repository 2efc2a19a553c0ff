// What the Fleet page says above the totals about the latest cycle: the totals are an older
// cycle's when the latest one's market data was unusable (a stale or absurd price leaves no fleet
// profit record, and last hour's money shown as today's misleads), and which miners the evidence
// gate held (every miner gated by STALE_PRICE means no decision was made on any of them), which
// latched miners hash again, and which miners the money totals leave out and why.
// Pure functions of the /miners answer.

import type { ExcludedMiner, FleetMiner, FleetTotals, LastCycle } from "../../api/fleet.ts";
import { formatTime, plural } from "../../lib/format.ts";

/** The fields of /miners' `totals` read here (older controllers send only `cycle`). */
export type TotalsCycle = Pick<FleetTotals, "cycle" | "at" | "current">;

/** The fields of /miners' `lastCycle` read here. */
export type GatedCycle = Pick<LastCycle, "cycleSeq" | "gated" | "marketUsable" | "marketProblems">;

/**
 * Null when the totals are the latest cycle's; else where they are from, said so that nobody reads
 * them as today's.
 */
export function staleTotalsNote(totals: TotalsCycle, lastCycle: GatedCycle | null): string | null {
  const current = totals.current ?? (lastCycle === null || totals.cycle >= lastCycle.cycleSeq);
  if (current) return null;
  const when = totals.at ? ` at ${formatTime(totals.at)}` : "";
  const why =
    lastCycle?.marketUsable === false
      ? "the latest cycle's market data was unusable, so it has no totals"
      : "the latest cycle has no totals";
  return `Totals from cycle #${totals.cycle}${when}, not the latest (#${lastCycle?.cycleSeq ?? "?"}): ${why}.`;
}

export interface GateBanner {
  tone: "warn" | "info";
  text: string;
}

/** What the evidence gate held in the latest cycle; null when it held nothing. */
export function gateBanner(lastCycle: GatedCycle | null, miners: number): GateBanner | null {
  const gated = Object.entries(lastCycle?.gated ?? {}).filter(([, count]) => count > 0);
  if (!lastCycle || gated.length === 0) return null;
  gated.sort((a, b) => b[1] - a[1]);
  const counts = gated.map(([code, count]) => `${code} ${count >= miners ? `every miner (${count})` : count}`);
  const problems = lastCycle.marketProblems ?? [];
  const market =
    lastCycle.marketUsable === false
      ? ` The market data was unusable${problems.length > 0 ? ` (${problems.map((p) => p.detail).join("; ")})` : ""}: no miner was decided on, and only an over-temperature STOP goes through.`
      : "";
  const all = gated.some(([, count]) => count >= miners);
  return {
    tone: all || lastCycle.marketUsable === false ? "warn" : "info",
    text: `In cycle #${lastCycle.cycleSeq} the evidence gate held miners without a decision: ${counts.join(", ")}.${market}`,
  };
}

/** The fields of a /miners row read here. */
export type LatchedRow = Pick<FleetMiner, "id" | "hashrateThs" | "latch">;

/**
 * Latched miners that hash again (someone started them at the miner, outside Pithead): the
 * controller holds them without acting (decision rules 5), and a row that hides a latch once the
 * miner hashes would leave nobody knowing. Null when there are none.
 */
export function latchedHashingNote(miners: readonly LatchedRow[]): string | null {
  const hashing = miners.filter((miner) => miner.latch !== null && Number(miner.hashrateThs) > 0);
  if (hashing.length === 0) return null;
  const named = (latch: LatchedRow["latch"]) =>
    hashing
      .filter((miner) => miner.latch === latch)
      .map((miner) => miner.id)
      .slice(0, 10);
  const list = (ids: string[], total: number) =>
    `${ids.join(", ")}${total > ids.length ? ` and ${total - ids.length} more` : ""}`;
  const parts: string[] = [];
  const byOperator = named("STOPPED_BY_OPERATOR");
  const operatorTotal = hashing.filter((miner) => miner.latch === "STOPPED_BY_OPERATOR").length;
  if (operatorTotal > 0) parts.push(`${list(byOperator, operatorTotal)} stopped by an operator`);
  const thermal = named("THERMAL_LATCH");
  const thermalTotal = hashing.length - operatorTotal;
  if (thermalTotal > 0) parts.push(`${list(thermal, thermalTotal)} latched by an over-temperature stop`);
  return `Hashing again although ${parts.join(", and ")}: started outside Pithead, so the controller takes no action on ${hashing.length === 1 ? "it" : "them"}. Start ${hashing.length === 1 ? "it" : "them"} from Pithead to clear the latch, or stop ${hashing.length === 1 ? "it" : "them"} again.`;
}

/** "sim-002 and sim-004", at most `shown` named and "and N more". */
export function someIds(ids: readonly string[], shown = 10): string {
  const named = ids.slice(0, shown).join(", ");
  return ids.length > shown ? `${named} and ${ids.length - shown} more` : named;
}

function stillCounted(miner: ExcludedMiner): string {
  if (miner.inHashrate && miner.inPower) return "still in hashrate and power";
  if (miner.inHashrate) return "still in hashrate, not in power";
  if (miner.inPower) return "still in power, not in hashrate";
  return "not in hashrate or power";
}

/**
 * Which miners the money totals leave out and why, said beside them: a fleet margin read without it
 * looks like the whole fleet's. Null when every miner is in.
 */
export function excludedMinersNote(totals: Pick<FleetTotals, "excludedMiners">): string | null {
  const excluded = totals.excludedMiners ?? [];
  if (excluded.length === 0) return null;
  const shown = excluded.slice(0, 10).map((miner) => `${miner.minerId} (${miner.reason}; ${stillCounted(miner)})`);
  const more = excluded.length > shown.length ? ` and ${excluded.length - shown.length} more` : "";
  return `Revenue, energy and margin leave out ${plural(excluded.length, "miner")}: ${shown.join(", ")}${more}.`;
}
