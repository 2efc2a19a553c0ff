// Each miner's margin in the fleet's latest cycle. The profit records are paged newest first until
// the cycle before shows up, so every miner of that cycle is covered however large the fleet; a
// miner without a record in it (its poll failed, it is unreachable) has no margin rather than an
// old one.

import type { FleetMiner, ProfitBody } from "../../api/fleet.ts";
import type { FetchPage } from "./timeline-pager.ts";

export interface CycleMargins {
  /** The cycle the profit records are from (null: none recorded yet). */
  cycle: number | null;
  /** $/day by miner id. */
  margins: Map<string, number>;
}

/** A runaway guard only: a page holds 500 records, the fleet API lists at most 20,000 miners. */
const MAX_PAGES = 60;

export async function latestCycleMargins(fetch: FetchPage<ProfitBody>): Promise<CycleMargins> {
  const margins = new Map<string, number>();
  let cycle: number | null = null;
  let before: number | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await fetch(before);
    for (const { body } of page.records) {
      cycle ??= body.cycle;
      if (body.cycle !== cycle) return { cycle, margins };
      if (body.minerId !== null && !margins.has(body.minerId))
        margins.set(body.minerId, body.marginMicroUsdPerDay / 1e6);
    }
    if (page.nextBefore === null) break;
    before = page.nextBefore;
  }
  return { cycle, margins };
}

/**
 * The margins to show: none when they are from a cycle older than the fleet's last one, and none
 * for a miner whose latest poll failed.
 */
export function marginsToShow(
  loaded: CycleMargins | undefined,
  lastCycle: number | null,
  miners: FleetMiner[],
): Map<string, number> {
  const shown = new Map<string, number>();
  if (!loaded || loaded.cycle === null || (lastCycle !== null && loaded.cycle < lastCycle)) return shown;
  for (const miner of miners) {
    const margin = loaded.margins.get(miner.id);
    if (margin !== undefined && miner.status !== "failed") shown.set(miner.id, margin);
  }
  return shown;
}
