// What a row of the fleet table says about its miner beyond the raw figures: stopped or latched,
// held at the evidence gate, its margin as shown. Pure functions of the /miners row (and the
// margins the page read), shared by the cells and by the quick filters, so a filter selects
// exactly the rows that show the thing it names.

import type { FleetMiner } from "../../api/fleet.ts";
import type { MinerMargin } from "./latest-margins.ts";

/**
 * Why a miner the controller holds stopped is stopped, when it is: a latched stop stays until an
 * operator starts it, so the row says so. Started again outside the controller (by hand, a power
 * cycle), it hashes: not "stopped" then.
 */
export function stoppedText(miner: FleetMiner): string | null {
  if (!miner.stoppedByController || Number(miner.hashrateThs) > 0) return null;
  if (miner.latch === "THERMAL_LATCH") return "latched: over-temperature stop — start to clear";
  if (miner.latch === "STOPPED_BY_OPERATOR") return "stopped by operator";
  return "stopped";
}

/** The fleet's latest cycle as the rows know it: every miner is polled in every cycle. */
export function latestCycleOf(miners: readonly FleetMiner[]): number | null {
  let latest: number | null = null;
  for (const miner of miners)
    if (miner.cycle !== null && (latest === null || miner.cycle > latest)) latest = miner.cycle;
  return latest;
}

export interface GateHold {
  /** The blocking checks' codes ("LOST_COMMS,STALE_TELEMETRY"); null when the controller does not say. */
  reason: string | null;
  detail: string | null;
}

/**
 * Held at the evidence gate in the latest cycle: polled, but given no decision (its checks blocked
 * one: lost comms, stale telemetry, an impossible reading, unusable market data), so its "last
 * decision" is an older one. A controller that reports `gate` says so and why; for one that does
 * not, it is read from the rows: every miner that passes the gate gets a decision (HOLD included),
 * and a decision's ledger seq is above its cycle's, the cycle record being written first.
 */
export function gateHold(miner: FleetMiner, latestCycle: number | null): GateHold | null {
  const reported = miner.gate;
  if (reported !== undefined) return reported === null ? null : { reason: reported.reason, detail: reported.detail };
  if (latestCycle === null || miner.cycle !== latestCycle) return null;
  if (miner.lastDecision !== null && miner.lastDecision.seq > latestCycle) return null;
  return { reason: null, detail: null };
}

export function isGated(miner: FleetMiner, latestCycle: number | null): boolean {
  return gateHold(miner, latestCycle) !== null;
}

/** The margin the row shows: the page's read of the latest cycle, else the row's own figure. */
export function shownMargin(miner: FleetMiner, margins: ReadonlyMap<string, MinerMargin>): MinerMargin | undefined {
  const read = margins.get(miner.id);
  if (read !== undefined) return read;
  if (miner.margin === null || miner.status === "failed") return undefined;
  return {
    marginUsdPerDay: miner.margin.marginUsdPerDay,
    ifRunningUsdPerDay: miner.margin.hashing ? null : miner.margin.ifRunningMarginUsdPerDay,
  };
}
