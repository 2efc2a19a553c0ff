// The fleet table's sort, pure: numbers as numbers, text in natural order ("sim-2" before
// "sim-10"), a miner without the value (no reading, never polled) last in either direction, and
// ties in the order of the miners' ids so a live refresh does not shuffle equal rows.

import type { FleetMiner } from "../../api/fleet.ts";
import type { RowContext } from "./miner-filters.ts";
import { isGated, shownMargin, stoppedText } from "./miner-state.ts";
import { modelDisplayName } from "./model-names.ts";

export const sortKeys = [
  "miner",
  "model",
  "status",
  "hashrate",
  "expected",
  "chip",
  "board",
  "fans",
  "power",
  "margin",
  "decision",
] as const;
export type SortKey = (typeof sortKeys)[number];
export type SortDirection = "ascending" | "descending";

export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

const naturalOrder = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function numberOrNull(value: string | number | null): number | null {
  if (value === null || value === "") return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** Worst first when ascending: a failed poll, held at the gate, stopped, never polled, fine. */
function statusRank(miner: FleetMiner, context: RowContext): number {
  if (miner.status === "failed") return 0;
  if (isGated(miner, context.latestCycle)) return 1;
  if (stoppedText(miner) !== null) return 2;
  if (miner.status === "unknown") return 3;
  return 4;
}

/** The value a column sorts by; null: the row has none and goes last. */
export function sortValue(miner: FleetMiner, key: SortKey, context: RowContext): number | string | null {
  switch (key) {
    case "miner":
      return miner.id;
    case "model":
      return modelDisplayName(miner.model);
    case "status":
      return statusRank(miner, context);
    case "hashrate":
      return numberOrNull(miner.hashrateThs);
    case "expected":
      return numberOrNull(miner.expectedThs);
    case "chip":
      return miner.maxChipTempC;
    case "board":
      return miner.maxBoardTempC;
    // The slowest fan: the one that fails first.
    case "fans":
      return miner.fansRpm.length === 0 ? null : Math.min(...miner.fansRpm);
    case "power":
      return miner.powerW;
    case "margin":
      return shownMargin(miner, context.margins)?.marginUsdPerDay ?? null;
    case "decision":
      return miner.lastDecision ? `${miner.lastDecision.action} ${miner.lastDecision.reason}` : null;
  }
}

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return naturalOrder.compare(String(a), String(b));
}

/** A sorted copy; null sort: the controller's order. */
export function sortMiners(miners: readonly FleetMiner[], sort: SortState | null, context: RowContext): FleetMiner[] {
  if (sort === null) return [...miners];
  const sign = sort.direction === "ascending" ? 1 : -1;
  const keyed = miners.map((miner) => ({ miner, value: sortValue(miner, sort.key, context) }));
  keyed.sort((a, b) => {
    if (a.value === null || b.value === null) {
      if (a.value !== b.value) return a.value === null ? 1 : -1;
    } else {
      const order = compareValues(a.value, b.value);
      if (order !== 0) return sign * order;
    }
    return naturalOrder.compare(a.miner.id, b.miner.id);
  });
  return keyed.map((entry) => entry.miner);
}

/** A click on a column's header: sort by it ascending, or turn its direction round. */
export function nextSort(current: SortState | null, key: SortKey): SortState {
  if (current?.key === key) return { key, direction: current.direction === "ascending" ? "descending" : "ascending" };
  return { key, direction: "ascending" };
}
