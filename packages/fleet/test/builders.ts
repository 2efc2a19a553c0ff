// Builders for the pure core's inputs and a harness that steps it cycle by cycle without I/O:
// records get sequence numbers as a ledger would give them, dispatched actions get receipts.

import { type CycleOutcome, decideCycle, type Planned } from "../src/core/decide.ts";
import { emptyState, type FleetState, foldRecord } from "../src/core/memory.ts";
import { defaultPolicy, type Mode, type Policy, type Site } from "../src/core/policy.ts";
import {
  type FleetRecord,
  type Json,
  type NetworkBody,
  type PriceBody,
  type ReceiptBody,
  recordTypes,
  type TelemetryBody,
} from "../src/core/records.ts";
import type { FirmwareFamily } from "../src/models.ts";
import type { CycleReport } from "../src/orchestrator/cycle-report.ts";
import type { Telemetry } from "../src/telemetry.ts";

export const start = Date.UTC(2026, 0, 1, 12);

/** A healthy S19 on stock firmware unless told otherwise. */
export function telemetry(overrides: Partial<Telemetry> & { family?: FirmwareFamily } = {}): Telemetry {
  const { family = "bmminer", ...rest } = overrides;
  return {
    firmware: { family, name: family, version: "1.0.0" },
    model: "Antminer S19",
    hashrateThs: "95",
    hashrateWindow: "5s",
    expectedThs: "95",
    expectedSource: "reported",
    powerW: 3278,
    powerSource: "estimated",
    powerNote: "estimated from Antminer S19 nameplate 34.5 J/TH",
    maxChipTempC: 75,
    maxBoardTempC: 60,
    boards: [1, 2, 3].map((index) => ({
      index,
      hashrateThs: "31.666667",
      chipTempsC: [75],
      boardTempsC: [60],
      chipsGood: 76,
      chipsBad: 0,
      chipsExpected: 76,
      status: null,
    })),
    fansRpm: [4800, 4800, 4800, 4800],
    pools: [],
    uptimeS: 100_000,
    accepted: 50_000,
    rejected: 10,
    hardwareErrors: 5,
    errors: [],
    rawSha256: "0".repeat(64),
    ...rest,
  };
}

/**
 * Energy prices (µUSD/kWh) around an S19's break-even (95 TH/s, 3,278 W, $100k, difficulty
 * 1.26e14: revenue $4.74/day, break-even ≈ $0.0602/kWh, hysteresis band ±5 % = ±$0.24/day).
 */
export const energy = {
  cheap: 30_000, // margin +$2.38/day: above the band
  justAbove: 59_640, // margin ≈ +1 % of revenue: inside the band
  justBelow: 60_850, // margin ≈ −1 % of revenue: inside the band
  dear: 120_000, // margin −$4.70/day: below the band
};

export class Harness {
  readonly state: FleetState = emptyState();
  readonly records: FleetRecord[] = [];
  now = start;
  priceUsd = "100000";
  difficulty = "126000000000000";
  priceAt: number | null = null;
  networkAt: number | null = null;
  outcomes: CycleOutcome[] = [];
  /** What the "adapter" did: every dispatched action, in order. */
  readonly dispatched: { minerId: string; action: string }[] = [];
  receiptStatus: "ok" | "failed" = "ok";

  constructor(options: { mode?: Mode; dryRun?: boolean; policy?: Partial<Policy>; site?: Partial<Site> } = {}) {
    this.append(recordTypes.config, {
      operatorId: "op",
      label: "op",
      mode: options.mode ?? "AUTO",
      dryRun: options.dryRun ?? false,
      policy: { ...defaultPolicy, ...options.policy } as unknown as Json,
      site: { energyMicroUsdPerKwh: energy.cheap, poolFeePpm: 0, ...options.site } as unknown as Json,
      miners: 1,
    });
  }

  append(type: string, body: Json): FleetRecord {
    const record = { seq: this.records.length, type, at: new Date(this.now).toISOString(), body };
    this.records.push(record);
    foldRecord(this.state, record);
    return record;
  }

  setEnergy(microUsdPerKwh: number): void {
    const last = [...this.records].reverse().find((r) => r.type === recordTypes.config) as FleetRecord;
    this.append(recordTypes.config, {
      ...(last.body as Record<string, Json>),
      site: { energyMicroUsdPerKwh: microUsdPerKwh, poolFeePpm: 0 },
    });
  }

  setMode(mode: Mode): void {
    this.append(recordTypes.mode, { mode, previous: this.state.mode, by: "test", reason: null });
  }

  /** Runs one cycle over `observations` (minerId → telemetry or a failure reason). */
  cycle(observations: Record<string, Telemetry | string>): CycleOutcome & { all: Planned[] } {
    const cycleRecord = this.append(recordTypes.cycle, {
      now: new Date(this.now).toISOString(),
      mode: this.state.mode,
      dryRun: this.state.dryRun,
      miners: Object.keys(observations).length,
    });
    const cycle = cycleRecord.seq;
    const pending: FleetRecord[] = [];
    const push = (type: string, body: unknown) => {
      const record = {
        seq: this.records.length + pending.length,
        type,
        at: new Date(this.now).toISOString(),
        body: body as Json,
      };
      pending.push(record);
      return record;
    };
    const telemetry = Object.entries(observations).map(([minerId, value]) => {
      const body: TelemetryBody =
        typeof value === "string"
          ? { cycle, minerId, ok: false, failure: "unreachable", reason: value, rawSha256: null }
          : { cycle, minerId, ok: true, telemetry: value };
      return { seq: push(recordTypes.telemetry, body).seq, body };
    });
    const price: PriceBody = {
      cycle,
      available: true,
      usdPerBtc: this.priceUsd,
      microUsdPerBtc: Number(this.priceUsd) * 1_000_000,
      source: "fixed",
      sourceAt: new Date(this.priceAt ?? this.now).toISOString(),
      fetchedAt: new Date(this.now).toISOString(),
      error: null,
    };
    const network: NetworkBody = {
      cycle,
      available: true,
      difficulty: this.difficulty,
      feesPerBlockSat: 0,
      height: 900_000,
      source: "fixed",
      sourceAt: new Date(this.networkAt ?? this.now).toISOString(),
      fetchedAt: new Date(this.now).toISOString(),
      error: null,
    };
    const priceRecord = push(recordTypes.price, price);
    const networkRecord = push(recordTypes.network, network);
    const outcome = decideCycle(
      this.state,
      {
        cycleSeq: cycle,
        telemetry,
        price: { seq: priceRecord.seq, body: price },
        network: { seq: networkRecord.seq, body: network },
      },
      this.now,
      "op",
    );
    for (const record of pending) {
      this.records.push(record);
      foldRecord(this.state, record);
    }
    for (const planned of [...outcome.evidence, ...outcome.decisions, ...outcome.suppressions])
      this.append(planned.type, planned.body as unknown as Json);
    for (const dispatch of outcome.dispatch) {
      this.dispatched.push({ minerId: dispatch.minerId, action: dispatch.action });
      const receipt: ReceiptBody = {
        decisionId: dispatch.decisionId,
        minerId: dispatch.minerId,
        action: dispatch.action,
        status: this.receiptStatus,
        effect: "done",
        error: null,
        commands: [],
        executedAt: new Date(this.now).toISOString(),
        elapsedMs: 1,
      };
      this.append(recordTypes.receipt, receipt as unknown as Json);
    }
    this.outcomes.push(outcome);
    return { ...outcome, all: [...outcome.evidence, ...outcome.decisions, ...outcome.suppressions] };
  }

  /** A person's command that went through: a manual decision and its receipt. */
  manual(minerId: string, action: "RUN" | "STOP" | "RESTART"): void {
    const decisionId = `op:manual:${this.records.length}`;
    const at = new Date(this.now).toISOString();
    this.append(recordTypes.decision, {
      cycle: null,
      decisionId,
      minerId,
      action,
      reason: "MANUAL_COMMAND",
      detail: "",
      origin: "manual",
      requestedBy: "op",
      decidedAt: at,
    });
    this.append(recordTypes.receipt, {
      decisionId,
      minerId,
      action,
      status: "ok",
      effect: "done",
      error: null,
      commands: [],
      executedAt: at,
      elapsedMs: 1,
    });
  }

  advance(ms: number): void {
    this.now += ms;
  }
}

export function decisionsOf(outcome: { all: Planned[] }) {
  return outcome.all
    .filter((p) => p.type === recordTypes.decision)
    .map((p) => p.body as { minerId: string; action: string; reason: string; detail: string });
}

export function proofsOf(outcome: { all: Planned[] }) {
  return outcome.all
    .filter((p) => p.type === recordTypes.negativeProof)
    .map((p) => p.body as { minerId: string; stage: string; suppressed: string; reason: string });
}

export function divergencesOf(outcome: { all: Planned[] }) {
  return outcome.all
    .filter((p) => p.type === recordTypes.divergence)
    .map((p) => p.body as { minerId: string | null; code: string; blocking: boolean });
}

/** A cycle's report as the controller returns it: three miners answered, nothing decided, 12 ms. */
export function cycleReport(overrides: Partial<CycleReport> = {}): CycleReport {
  const zero = { poll: 0, decide: 0, record: 0, execute: 0, total: 12 };
  return {
    operatorId: "op-1",
    cycleSeq: 0,
    now: "2026-09-01T00:00:00.000Z",
    mode: "AUTO",
    dryRun: false,
    miners: 3,
    polled: { ok: 3, failed: 0 },
    pollFailures: {},
    market: { price: { source: "fixed", error: null }, network: { source: "fixed", error: null } },
    decisions: [],
    negativeProofs: [],
    receipts: [],
    divergences: 0,
    modelChanges: [],
    records: 10,
    checkpoint: null,
    timingsMs: zero,
    cpuMs: zero,
    ...overrides,
  };
}
