// The fleet table's search and quick filters, pure: a search matches a miner's id, address or
// model (every word somewhere, any case); a quick filter picks the rows that show a problem, a
// temperature badge, a stop, or a loss. Derived from the /miners rows only (no extra request).

import type { FleetMiner } from "../../api/fleet.ts";
import type { MinerMargin } from "./latest-margins.ts";
import { isGated, shownMargin, stoppedText } from "./miner-state.ts";
import { modelDisplayName } from "./model-names.ts";

export const quickFilters = ["all", "problems", "hot", "stopped", "unprofitable"] as const;
export type QuickFilter = (typeof quickFilters)[number];

export const quickFilterLabels: Record<QuickFilter, { label: string; hint: string }> = {
  all: { label: "All", hint: "every miner" },
  problems: {
    label: "Problems",
    hint: "the latest poll failed or found it unreachable, the evidence checks held it (no decision in the latest cycle), or its last command failed",
  },
  hot: { label: "Hot", hint: "over the warning or the stop temperature" },
  stopped: {
    label: "Latched / stopped",
    hint: "held stopped by the controller, or latched until an operator starts it",
  },
  unprofitable: { label: "Unprofitable", hint: "a margin below $0/day, as it ran or, when not hashing, if it ran" },
};

export interface RowContext {
  margins: ReadonlyMap<string, MinerMargin>;
  /** latestCycleOf(the rows): for the evidence gate. */
  latestCycle: number | null;
}

export function isProblem(miner: FleetMiner, context: RowContext): boolean {
  return (
    miner.status === "failed" || isGated(miner, context.latestCycle) || miner.lastDecision?.receipt?.status === "failed"
  );
}

export function isHot(miner: FleetMiner): boolean {
  return miner.temperature === "warn" || miner.temperature === "stop";
}

/** A latch stays after a start outside the controller: still worth finding. */
export function isStopped(miner: FleetMiner): boolean {
  return miner.latch !== null || stoppedText(miner) !== null;
}

/** Losing money as it runs, or not hashing with a loss if it ran (why the controller keeps it stopped). */
export function isUnprofitable(miner: FleetMiner, context: RowContext): boolean {
  const margin = shownMargin(miner, context.margins);
  if (margin === undefined) return false;
  return margin.marginUsdPerDay < 0 || (margin.ifRunningUsdPerDay ?? 0) < 0;
}

export function matchesQuickFilter(miner: FleetMiner, filter: QuickFilter, context: RowContext): boolean {
  switch (filter) {
    case "all":
      return true;
    case "problems":
      return isProblem(miner, context);
    case "hot":
      return isHot(miner);
    case "stopped":
      return isStopped(miner);
    case "unprofitable":
      return isUnprofitable(miner, context);
  }
}

/** The words of a search, lower case; none for a blank one. */
export function searchWords(search: string): string[] {
  return search.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Every word in the id, the address (host:port) or the model, reported or configured. */
export function matchesSearch(miner: FleetMiner, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const text = [
    miner.id,
    miner.host === null ? "" : `${miner.host}:${miner.port ?? ""}`,
    miner.model ?? "",
    modelDisplayName(miner.model) ?? "",
  ]
    .join(" ")
    .toLowerCase();
  return words.every((word) => text.includes(word));
}

export function filterMiners(
  miners: readonly FleetMiner[],
  search: string,
  filter: QuickFilter,
  context: RowContext,
): FleetMiner[] {
  const words = searchWords(search);
  return miners.filter((miner) => matchesSearch(miner, words) && matchesQuickFilter(miner, filter, context));
}

/** How many of the miners each quick filter would show (the search applied). */
export function quickFilterCounts(
  miners: readonly FleetMiner[],
  search: string,
  context: RowContext,
): Record<QuickFilter, number> {
  const counts: Record<QuickFilter, number> = { all: 0, problems: 0, hot: 0, stopped: 0, unprofitable: 0 };
  const words = searchWords(search);
  for (const miner of miners) {
    if (!matchesSearch(miner, words)) continue;
    for (const filter of quickFilters) if (matchesQuickFilter(miner, filter, context)) counts[filter]++;
  }
  return counts;
}
