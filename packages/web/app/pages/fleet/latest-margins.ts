// Each miner's margin in the fleet's latest cycle. The profit records are paged newest first until
// the cycle before shows up, so every miner of that cycle is covered however large the fleet; a
// miner without a record in it (its poll failed, it is unreachable) has no margin rather than an
// old one. A miner that was not hashing (stalled, stopped) has a record at nameplate, what it
// WOULD earn (the RUN/STOP rule needs it): shown as $0 with that figure apart, "if running", so
// the column adds up to the fleet's totals, which count only what hashed.

import type { FleetMiner, ProfitBody } from "../../api/fleet.ts";
import type { FetchPage } from "./timeline-pager.ts";

export interface MinerMargin {
  /** $/day as it ran: $0 for a miner that was not hashing. */
  marginUsdPerDay: number;
  /** $/day it would make if running, shown only for a miner that was not hashing. */
  ifRunningUsdPerDay: number | null;
}

export interface CycleMargins {
  /** The cycle the profit records are from (null: none recorded yet). */
  cycle: number | null;
  margins: Map<string, MinerMargin>;
}

export function marginOf(body: ProfitBody): MinerMargin {
  return body.basis === "nameplate"
    ? { marginUsdPerDay: 0, ifRunningUsdPerDay: body.marginMicroUsdPerDay / 1e6 }
    : { marginUsdPerDay: body.marginMicroUsdPerDay / 1e6, ifRunningUsdPerDay: null };
}

/** A runaway guard only: a page holds 500 records, the fleet API lists at most 20,000 miners. */
const MAX_PAGES = 60;

export async function latestCycleMargins(fetch: FetchPage<ProfitBody>): Promise<CycleMargins> {
  const margins = new Map<string, MinerMargin>();
  let cycle: number | null = null;
  let before: number | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await fetch(before);
    for (const { body } of page.records) {
      cycle ??= body.cycle;
      if (body.cycle !== cycle) return { cycle, margins };
      if (body.minerId !== null && !margins.has(body.minerId)) margins.set(body.minerId, marginOf(body));
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
): Map<string, MinerMargin> {
  const shown = new Map<string, MinerMargin>();
  if (!loaded || loaded.cycle === null || (lastCycle !== null && loaded.cycle < lastCycle)) return shown;
  for (const miner of miners) {
    const margin = loaded.margins.get(miner.id);
    if (margin !== undefined && miner.status !== "failed") shown.set(miner.id, margin);
  }
  return shown;
}
