// What the controller remembers between cycles, derived only from ledger records: the same fold
// runs live (after each append) and in replay (over the whole partition), so a replayed cycle
// sees exactly the state the live one saw.

import { type FirmwareFamily, findModel } from "../models.ts";
import { defaultPolicy, type Mode, type Policy, type Site } from "./policy.ts";
import type {
  ConfigBody,
  CycleBody,
  DecisionBody,
  FleetRecord,
  MemoryBody,
  ModeBody,
  ReceiptBody,
  TelemetryBody,
} from "./records.ts";
import { recordTypes } from "./records.ts";

export interface LastGood {
  seq: number;
  atMs: number;
  uptimeS: number | null;
  accepted: number | null;
  hardwareErrors: number | null;
}

export interface MinerMemory {
  lastGood: LastGood | null;
  /** Failed polls in a row. */
  failedPolls: number;
  /** Cycles in a row the miner hashed far below expected (or not at all) while it should hash. */
  lowCycles: number;
  lastActionAtMs: number | null;
  /** Dispatched restarts within the last hour. */
  restartsAtMs: number[];
  /** The controller stopped it (a STOP went through) and has not started it since. */
  stoppedByController: boolean;
  /**
   * Why, while stoppedByController: the STOP decision's reason code (OVER_TEMPERATURE,
   * UNPROFITABLE, MANUAL_COMMAND) and id; null when the records that say are archived and an older
   * fleet.memory record did not carry it.
   */
  stoppedFor: { reason: string; decisionId: string | null } | null;
  /**
   * A stop the controller never undoes on its own, whatever the margin (see latchFor): set by a
   * thermal STOP or an operator's STOP that went through; an operator's start or restart that goes
   * through clears it.
   */
  latch: Latch | null;
  family: FirmwareFamily | "unknown";
  devices: number;
  /** The model the miner last reported; absent in memories from before rules 6. */
  model?: string | null;
  /**
   * The latest time the miner at this id reported another model than before (swapped for another
   * machine): what was learnt of the old one (counters, low-hashrate streak) was dropped then.
   */
  modelChange?: ModelChange | null;
}

export interface ModelChange {
  from: string;
  to: string;
  /** The telemetry record that first showed the new model, and its cycle's time. */
  seq: number;
  atMs: number;
}

export interface FleetState {
  mode: Mode;
  /**
   * The mode the latest fleet.config record carried: a config record changes `mode` only when
   * this changes (the operator edited MODE), so a restart never undoes a switch made at run time.
   */
  configuredMode: Mode | null;
  dryRun: boolean;
  policy: Policy;
  site: Site;
  configSeq: number | null;
  miners: Map<string, MinerMemory>;
  /**
   * Decision id → its record's seq and reason, for the decisions that act (not HOLD): a person's
   * (an idempotency key is answered from them) and the latest cycle's (`cycle`), not older cycles'.
   */
  decisions: Map<string, { seq: number; minerId: string; reason: string; cycle: number | null }>;
  /** Decision ids that already have a receipt (those still in `decisions`): never dispatched twice. */
  executed: Set<string>;
  lastCycle: { seq: number; nowMs: number } | null;
}

export function emptyState(): FleetState {
  return {
    mode: "AUTO",
    configuredMode: null,
    dryRun: false,
    policy: defaultPolicy,
    site: { energyMicroUsdPerKwh: 50_000, poolFeePpm: 20_000 },
    configSeq: null,
    miners: new Map(),
    decisions: new Map(),
    executed: new Set(),
    lastCycle: null,
  };
}

export function emptyMemory(): MinerMemory {
  return {
    lastGood: null,
    failedPolls: 0,
    lowCycles: 0,
    lastActionAtMs: null,
    restartsAtMs: [],
    stoppedByController: false,
    stoppedFor: null,
    latch: null,
    family: "unknown",
    devices: 0,
    model: null,
    modelChange: null,
  };
}

/**
 * The model change this poll shows, if the miner reported a model before and now reports another
 * (a model it does not report is no change: firmwares that omit it on a bad poll are common).
 */
export function modelChangeOf(memory: MinerMemory, body: TelemetryBody): { from: string; to: string } | null {
  if (!body.ok) return null;
  const from = memory.model ?? null;
  const to = body.telemetry.model;
  if (from === null || to === null || from === to) return null;
  // Two spellings of one catalogue model (a firmware update renaming it) are the same machine.
  const spec = findModel(from);
  return spec !== undefined && spec === findModel(to) ? null : { from, to };
}

const hour = 3_600_000;

/** The memory after one poll result (the rule the decide step and the fold share). */
export function applyTelemetry(
  memory: MinerMemory,
  body: TelemetryBody,
  seq: number,
  atMs: number,
  policy: Policy,
): MinerMemory {
  if (!body.ok) return { ...memory, failedPolls: memory.failedPolls + 1 };
  const t = body.telemetry;
  const ths = Number(t.hashrateThs);
  const expected = t.expectedThs === null ? 0 : Number(t.expectedThs);
  // Nothing hashing is "far below" whatever the nameplate; a partial rate needs an expected one.
  const below = !(ths > 0) || (expected > 0 && ths < expected * policy.underperformFraction);
  // Another machine at this id: the old one's low-hashrate streak says nothing about this one.
  const change = modelChangeOf(memory, body);
  const lowCycles = memory.stoppedByController || change ? 0 : memory.lowCycles;
  return {
    ...memory,
    lastGood: { seq, atMs, uptimeS: t.uptimeS, accepted: t.accepted, hardwareErrors: t.hardwareErrors },
    failedPolls: 0,
    lowCycles: memory.stoppedByController ? 0 : below ? lowCycles + 1 : 0,
    family: t.firmware.family,
    devices: t.boards.length,
    model: t.model ?? memory.model ?? null,
    modelChange: change ? { ...change, seq, atMs } : (memory.modelChange ?? null),
  };
}

/** The reason code of a thermal STOP, and the latch it sets. */
export const thermalStopReason = "OVER_TEMPERATURE";
export const thermalLatch = "THERMAL_LATCH";
/** The reason code of an operator's command, and the latch its STOP sets. */
export const operatorCommandReason = "MANUAL_COMMAND";
export const operatorLatch = "STOPPED_BY_OPERATOR";
export type Latch = typeof thermalLatch | typeof operatorLatch;

/**
 * The latch a STOP that went through sets, by its decision's reason. Thermal: started again as
 * soon as it cooled, a miner whose cooling failed trips again at every warm-up. An operator's:
 * automation must not undo a maintenance stop. A STOP for a loss sets none (started again when
 * profitable), nor one whose reason is unknown (archived, and recorded before rules 4).
 */
export function latchFor(stopReason: string | null | undefined): Latch | null {
  if (stopReason === thermalStopReason) return thermalLatch;
  if (stopReason === operatorCommandReason) return operatorLatch;
  return null;
}

/**
 * The memory after a receipt: cooldown, restart cap, and who stopped the miner and why (`reason`:
 * the reason of the receipt's decision, when it is known).
 */
export function applyReceipt(memory: MinerMemory, body: ReceiptBody, reason: string | null = null): MinerMemory {
  const at = Date.parse(body.executedAt);
  const next: MinerMemory = {
    ...memory,
    lastActionAtMs: at,
    restartsAtMs: memory.restartsAtMs.filter((t) => at - t < hour),
  };
  if (body.action === "RESTART") {
    next.restartsAtMs = [...next.restartsAtMs, at];
    next.lowCycles = 0;
  }
  if (body.status === "ok") {
    if (body.action === "STOP") {
      next.stoppedByController = true;
      next.stoppedFor = { reason: reason ?? "unknown", decisionId: body.decisionId };
      next.latch = latchFor(reason);
    }
    if (body.action === "RUN" || body.action === "RESTART") {
      next.stoppedByController = false;
      next.stoppedFor = null;
      next.latch = null;
    }
  }
  return next;
}

/**
 * A cycle's decisions are dispatched, receipted or suppressed before the next cycle begins (a
 * failed one is settled by a negative proof, never a receipt), so nothing looks one up after it.
 * Kept, they grew the state by every acting decision ever: one a cycle for each miner held back
 * (MANUAL mode, a gate, a cooldown), about 250 a cycle at 2,000 simulated miners.
 */
function forgetCycleDecisions(state: FleetState): void {
  for (const [decisionId, decision] of state.decisions) {
    if (decision.cycle === null) continue;
    state.decisions.delete(decisionId);
    state.executed.delete(decisionId);
  }
}

function memoryOf(state: FleetState, minerId: string): MinerMemory {
  return state.miners.get(minerId) ?? emptyMemory();
}

/** Applies one record to the state, in place. Unknown types are ignored. */
export function foldRecord(state: FleetState, record: FleetRecord): void {
  switch (record.type) {
    case recordTypes.config: {
      const body = record.body as unknown as ConfigBody;
      if (state.configuredMode === null || body.mode !== state.configuredMode) state.mode = body.mode;
      state.configuredMode = body.mode;
      state.dryRun = body.dryRun;
      state.policy = body.policy;
      state.site = body.site;
      state.configSeq = record.seq;
      return;
    }
    case recordTypes.mode:
      state.mode = (record.body as unknown as ModeBody).mode;
      return;
    case recordTypes.memory: {
      // The same facts the receipts before it gave (a no-op then); after an archive boundary, the only
      // source. Why each was stopped came with it from release 4 of the rules on (`stoppedFor`).
      const body = record.body as unknown as MemoryBody;
      for (const minerId of body.stoppedByController) {
        const earlier = memoryOf(state, minerId);
        const why = body.stoppedFor?.[minerId];
        const stoppedFor = why ? { reason: why.reason, decisionId: why.decisionId } : earlier.stoppedFor;
        state.miners.set(minerId, {
          ...earlier,
          stoppedByController: true,
          stoppedFor,
          latch: latchFor(stoppedFor?.reason),
        });
      }
      return;
    }
    case recordTypes.cycle: {
      const body = record.body as unknown as CycleBody;
      forgetCycleDecisions(state);
      state.lastCycle = { seq: record.seq, nowMs: Date.parse(body.now) };
      return;
    }
    case recordTypes.telemetry: {
      const body = record.body as unknown as TelemetryBody;
      const atMs = state.lastCycle?.seq === body.cycle ? state.lastCycle.nowMs : Date.parse(record.at);
      state.miners.set(
        body.minerId,
        applyTelemetry(memoryOf(state, body.minerId), body, record.seq, atMs, state.policy),
      );
      return;
    }
    case recordTypes.decision: {
      const body = record.body as unknown as DecisionBody;
      // Only what can be dispatched: a HOLD never gets a receipt and is never settled or asked for
      // by id, and kept it would grow the map by the whole fleet every cycle.
      if (body.action !== "HOLD")
        state.decisions.set(body.decisionId, {
          seq: record.seq,
          minerId: body.minerId,
          reason: body.reason,
          cycle: body.cycle ?? null,
        });
      return;
    }
    case recordTypes.receipt: {
      const body = record.body as unknown as ReceiptBody;
      state.executed.add(body.decisionId);
      const reason = state.decisions.get(body.decisionId)?.reason ?? null;
      state.miners.set(body.minerId, applyReceipt(memoryOf(state, body.minerId), body, reason));
      return;
    }
    default:
      return;
  }
}

/**
 * The fleet.memory bodies that re-record the miners the controller stopped and has not started
 * since, `perRecord` ids to a body, each with why it was stopped (so a thermal latch or an
 * operator's stop outlives the archiving of its STOP). Folding them changes nothing in the state
 * they came from.
 */
export function stoppedMinerBodies(state: FleetState, perRecord: number, reason: string): MemoryBody[] {
  const stopped = [...state.miners]
    .filter(([, memory]) => memory.stoppedByController)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const bodies: MemoryBody[] = [];
  for (let from = 0; from < stopped.length; from += perRecord) {
    const chunk = stopped.slice(from, from + perRecord);
    const stoppedFor: NonNullable<MemoryBody["stoppedFor"]> = {};
    for (const [minerId, memory] of chunk) if (memory.stoppedFor) stoppedFor[minerId] = memory.stoppedFor;
    bodies.push({ stoppedByController: chunk.map(([minerId]) => minerId), stoppedFor, reason });
  }
  return bodies;
}
