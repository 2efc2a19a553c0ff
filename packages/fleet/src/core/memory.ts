// What the controller remembers between cycles, derived only from ledger records: the same fold
// runs live (after each append) and in replay (over the whole partition), so a replayed cycle
// sees exactly the state the live one saw.

import type { FirmwareFamily } from "../models.ts";
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
  family: FirmwareFamily | "unknown";
  devices: number;
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
  /** Decision id → its record's seq. */
  decisions: Map<string, { seq: number; minerId: string }>;
  /** Decision ids that already have a receipt: never dispatched twice. */
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
    family: "unknown",
    devices: 0,
  };
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
  return {
    ...memory,
    lastGood: { seq, atMs, uptimeS: t.uptimeS, accepted: t.accepted, hardwareErrors: t.hardwareErrors },
    failedPolls: 0,
    lowCycles: memory.stoppedByController ? 0 : below ? memory.lowCycles + 1 : 0,
    family: t.firmware.family,
    devices: t.boards.length,
  };
}

/** The memory after a receipt: cooldown, restart cap and who stopped the miner. */
export function applyReceipt(memory: MinerMemory, body: ReceiptBody): MinerMemory {
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
    if (body.action === "STOP") next.stoppedByController = true;
    if (body.action === "RUN" || body.action === "RESTART") next.stoppedByController = false;
  }
  return next;
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
      // The same facts the receipts before it gave (a no-op then); after an archive boundary, the only source.
      for (const minerId of (record.body as unknown as MemoryBody).stoppedByController) {
        state.miners.set(minerId, { ...memoryOf(state, minerId), stoppedByController: true });
      }
      return;
    }
    case recordTypes.cycle: {
      const body = record.body as unknown as CycleBody;
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
      state.decisions.set(body.decisionId, { seq: record.seq, minerId: body.minerId });
      return;
    }
    case recordTypes.receipt: {
      const body = record.body as unknown as ReceiptBody;
      state.executed.add(body.decisionId);
      state.miners.set(body.minerId, applyReceipt(memoryOf(state, body.minerId), body));
      return;
    }
    default:
      return;
  }
}
