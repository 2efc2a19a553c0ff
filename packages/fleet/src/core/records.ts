// The fleet's ledger record types (`fleet.*`) and their bodies. Every body is plain JSON with
// integers or decimal strings for money and hashrate. Records that derive from others carry
// `cites`: the sequence numbers of the records they used, always earlier in the partition.

import type { Telemetry } from "../telemetry.ts";
import type { Mode, Policy, Site } from "./policy.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const recordTypes = {
  config: "fleet.config",
  mode: "fleet.mode",
  cycle: "fleet.cycle",
  /** A cycle that stopped before writing all its records, and why when known. */
  cycleInterrupted: "fleet.cycle-interrupted",
  telemetry: "fleet.telemetry",
  price: "fleet.price",
  network: "fleet.network",
  divergence: "fleet.divergence",
  profit: "fleet.profit",
  decision: "fleet.decision",
  negativeProof: "fleet.negative-proof",
  receipt: "fleet.receipt",
  /** What the controller remembers of its miners for longer than a cycle, re-recorded with archiving on. */
  memory: "fleet.memory",
  /** A miner reported another model than before: swapped for another machine at the same id. */
  modelChange: "fleet.model-change",
} as const;

export type RecordType = (typeof recordTypes)[keyof typeof recordTypes];

export type Action = "RUN" | "STOP" | "RESTART" | "HOLD";

export interface ConfigBody {
  operatorId: string;
  label: string;
  mode: Mode;
  dryRun: boolean;
  policy: Policy;
  site: Site;
  miners: number;
  /**
   * Each miner's address, id → "host:port": a miner moved to another address (or an id given to
   * another machine) changes the configuration, so the ledger shows when. Absent in older records.
   */
  minerAddresses?: Record<string, string>;
}

/**
 * Miner memory that outlives the records it came from: the miners the controller stopped (a STOP
 * receipt, maybe weeks old) and has not started since. Recorded hourly with archiving on, so that a
 * restart reading from the archive boundary still knows them and starts them when profitable again.
 */
export interface MemoryBody {
  stoppedByController: string[];
  /**
   * Why each of them was stopped: the STOP decision's reason and id (an OVER_TEMPERATURE or
   * MANUAL_COMMAND one keeps its latch across the boundary). Absent in records of releases before
   * rules 4.
   */
  stoppedFor?: Record<string, { reason: string; decisionId: string | null }>;
  reason: string;
}

/** Evidence: the miner at `minerId` reported `to` where it reported `from` (cites its telemetry). */
export interface ModelChangeBody {
  cycle: number;
  key: string;
  minerId: string;
  from: string;
  to: string;
  detail: string;
}

export interface ModeBody {
  mode: Mode;
  previous: Mode;
  /** Who changed it: an operator id, "config" or "cli". */
  by: string;
  reason: string | null;
}

export interface CycleBody {
  /** The injected clock's time for this cycle: every check and rule uses it. */
  now: string;
  mode: Mode;
  dryRun: boolean;
  miners: number;
  /** The decision rules the cycle was decided under (see core/rules-version.ts); absent: 1. */
  rules?: number;
}

/**
 * Cycle `cycle` stopped before all its records were written. `reason` is `PROCESS_STOPPED` when a
 * restart found it so (the process ended mid-cycle: killed, crashed, power lost; why is unknown),
 * or the failure's code when the running controller saw the cycle fail (`STORAGE_FULL`, …).
 */
export interface CycleInterruptedBody {
  cycle: number;
  reason: string;
  detail: string;
  /** The steps never written: "observations", "evidence", "decisions", "suppressions", "receipts". */
  unwritten: string[];
}

export type TelemetryBody =
  | { cycle: number; minerId: string; ok: true; telemetry: Telemetry }
  | { cycle: number; minerId: string; ok: false; failure: string; reason: string; rawSha256: string | null };

export interface PriceBody {
  cycle: number;
  available: boolean;
  usdPerBtc: string | null;
  microUsdPerBtc: number | null;
  source: string | null;
  /** When the source says the figure was valid. */
  sourceAt: string | null;
  fetchedAt: string | null;
  error: string | null;
}

export interface NetworkBody {
  cycle: number;
  available: boolean;
  difficulty: string | null;
  feesPerBlockSat: number | null;
  height: number | null;
  source: string | null;
  sourceAt: string | null;
  fetchedAt: string | null;
  error: string | null;
}

export type DivergenceCode =
  | "STALE_TELEMETRY"
  | "LOST_COMMS"
  | "STALE_PRICE"
  | "STALE_NETWORK"
  | "FUTURE_PRICE_TIME"
  | "FUTURE_NETWORK_TIME"
  | "IMPLAUSIBLE_PRICE"
  | "IMPLAUSIBLE_NETWORK"
  | "TEMPERATURE_WARN"
  | "OVER_TEMPERATURE"
  | "IMPOSSIBLE_HASHRATE"
  | "IMPOSSIBLE_POWER"
  | "IMPOSSIBLE_TEMPERATURE"
  | "COUNTERS_BACKWARDS";

export interface DivergenceBody {
  cycle: number;
  key: string;
  minerId: string | null;
  code: DivergenceCode;
  blocking: boolean;
  detail: string;
  observed: Json;
  limit: Json;
}

export interface ProfitBody {
  cycle: number;
  key: string;
  minerId: string | null;
  /** "measured": the miner's own hashrate and power; "nameplate": what it would do if running. */
  basis: "measured" | "nameplate" | "fleet";
  hashrateThs: string;
  powerW: number;
  revenueMsatPerDay: number;
  revenueBtcPerDay: string;
  revenueMicroUsdPerDay: number;
  costMicroUsdPerDay: number;
  marginMicroUsdPerDay: number;
  hashpriceMicroUsdPerThDay: number;
  /**
   * Revenue and margin at the miner's expected hashrate and nameplate efficiency: what the RUN/STOP
   * rule judges, so a momentary dip or a failing board (the restart rule's business) does not read
   * as "unprofitable". Null for the fleet record.
   */
  expectedRevenueMicroUsdPerDay: number | null;
  expectedMarginMicroUsdPerDay: number | null;
  /**
   * Fleet record only, and only when some are: hashing miners left out of the totals because
   * their margin is unknown (no power figure) or cannot be computed — never counted at $0.
   */
  excludedMiners?: { minerId: string; reason: string }[];
}

export interface DecisionBody {
  cycle: number | null;
  decisionId: string;
  minerId: string;
  action: Action;
  reason: string;
  detail: string;
  origin: "auto" | "manual";
  /** The operator who sent a manual command. */
  requestedBy: string | null;
  decidedAt: string;
}

export type NegativeProofStage = "gate" | "policy" | "execution";

export interface NegativeProofBody {
  cycle: number | null;
  key: string;
  minerId: string;
  stage: NegativeProofStage;
  /** What did not happen: an action, or "decision" when the gate stopped the miner's cycle. */
  suppressed: Action | "decision";
  reason: string;
  detail: string;
  decisionId: string | null;
}

export interface ReceiptBody {
  decisionId: string;
  minerId: string;
  action: Action;
  status: "ok" | "failed";
  effect: string | null;
  error: string | null;
  commands: { command: string; parameter: string; ok: boolean; message: string }[];
  executedAt: string;
  elapsedMs: number;
}

/** A record as the fleet reads it back (the ledger's StoredRecord, narrowed). */
export interface FleetRecord {
  seq: number;
  type: string;
  at: string;
  body: Json;
  hash?: string;
}

/**
 * Adds `cites` to a body, as the ledger expects it: where canonical JSON puts it, among keys in
 * sorted order. A body built with its keys sorted (as a cycle's are) then comes out sorted, and the
 * ledger serialises it as it is instead of copying it into that order first.
 */
export function withCites<T extends object>(body: T, cites: readonly number[]): T & { cites: number[] } {
  const sorted = ascendingUnique(cites);
  const result: Record<string, unknown> = {};
  let placed = false;
  for (const key of Object.keys(body)) {
    if (key === "cites") continue;
    if (!placed && key > "cites") {
      result.cites = sorted;
      placed = true;
    }
    result[key] = (body as Record<string, unknown>)[key];
  }
  if (!placed) result.cites = sorted;
  return result as T & { cites: number[] };
}

/** The seqs sorted, each once; most lists already are (a cycle's are built in write order). */
function ascendingUnique(cites: readonly number[]): number[] {
  for (let i = 1; i < cites.length; i++) {
    if (!((cites[i - 1] as number) < (cites[i] as number))) return [...new Set(cites)].sort((a, b) => a - b);
  }
  return cites.slice();
}
