// The imperative shell around the decision core for one operator: it polls, records, asks the
// pure core what to do, records that, dispatches, and records the receipts. Its state is only
// ever the fold of its own ledger partition, so a restart (or `replay`) rebuilds exactly it.
// This class holds that state and the operator's mutex; the work is in plain functions beside it:
// open-partition.ts (start), cycle-steps.ts (a cycle), execute-decision.ts and manual-command.ts
// (commands), interruption.ts (what a cut-short cycle leaves behind).
//
// Write order inside a cycle (each step one appendBatch, each citing only earlier records):
//   fleet.cycle + price + network + telemetry → divergences + profits → decisions + gate
//   negative proofs + fleet profit → policy/execution negative proofs → receipts.
// The cycle record goes with the observations, after the poll: a process that dies during the
// (long) poll leaves nothing. A cycle cut short after that is recorded as fleet.cycle-interrupted:
// by the next cycle when the running controller saw it fail, or by the next start otherwise.

import type { CgminerAdapter, MinerEndpoint } from "../cgminer/adapter.ts";
import type { Clock } from "../clock.ts";
import type { OperatorConfig } from "../config/types.ts";
import type { Dispatch } from "../core/decide.ts";
import { emptyMemory, emptyState, type FleetState, foldRecord, stoppedMinerBodies } from "../core/memory.ts";
import type { Mode } from "../core/policy.ts";
import { type Action, type Json, type ModeBody, recordTypes } from "../core/records.ts";
import type { MarketCache } from "../market/market-cache.ts";
import type { CycleReport } from "./cycle-report.ts";
import { runCycleSteps } from "./cycle-steps.ts";
import { type Executor, executeDecision } from "./execute-decision.ts";
import { type FleetCondition, FleetConditions } from "./fleet-conditions.ts";
import { type CycleSeen, FleetViewState } from "./fleet-view-state.ts";
import { MinerHistory } from "./history.ts";
import { failedCycleRecords } from "./interruption.ts";
import { type ManualResult, manualCommand } from "./manual-command.ts";
import { Mutex } from "./mutex.ts";
import { configRecords, readPartition, type StartReport } from "./open-partition.ts";
import { type NewRecord, partitionFor, type Recorder, type StoredRecordLike } from "./recorder.ts";
import { readSnapshotFile } from "./snapshot-file.ts";
import { type SaveOutcome, SnapshotKeeper, type SnapshotOptions } from "./snapshot-keeper.ts";
import { StartFacts } from "./start-facts.ts";
import { type DecodedSnapshot, decodeSnapshot, restoreView } from "./state-snapshot.ts";

/** Miner ids per fleet.memory record: a 10,000-miner fleet stopped for a loss fits in ten. */
const MEMORY_IDS_PER_RECORD = 1000;

export type { CycleReport } from "./cycle-report.ts";
export { IdempotencyKeyReusedError, type ManualResult, UnknownMinerError } from "./manual-command.ts";

export interface ControllerOptions {
  operator: OperatorConfig;
  recorder: Recorder;
  adapter: CgminerAdapter;
  market: MarketCache;
  clock: Clock;
  /** Polls and commands in flight at once (bounded by the file-descriptor limit). */
  concurrency?: number;
  /** Points per miner kept for the charts. */
  historyPoints?: number;
  /** Keep a state snapshot there, and start from it (absent: every start folds the partition). */
  snapshot?: SnapshotOptions;
  /** Told when the snapshot written after a cycle could not be (nothing is lost: a start folds more). */
  onSnapshotFailure?: (error: unknown) => void;
}

export class OperatorController {
  readonly operator: OperatorConfig;
  readonly partition: string;
  private readonly recorder: Recorder;
  private readonly adapter: CgminerAdapter;
  private readonly market: MarketCache;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly mutex = new Mutex();
  private readonly endpoints: Map<string, MinerEndpoint>;
  /** What dispatching a decision needs (see execute-decision.ts). */
  private readonly executor: Executor;
  private readonly state: FleetState = emptyState();
  /** What a start needs besides the state (the last configuration, unsettled decisions). */
  private facts = new StartFacts();
  private readonly snapshots: SnapshotKeeper | undefined;
  private readonly onSnapshotFailure: ((error: unknown) => void) | undefined;
  /** While the partition is read back on open (the snapshot keeper is told of the last cycle only). */
  private opening = true;
  /** How this controller's start got its state. */
  startReport: StartReport | null = null;
  /** What the fleet view shows (not part of the state the core reads), folded from the same records. */
  private readonly view = new FleetViewState();
  private lastReport: CycleReport | null = null;
  /** What this process's cycles show going wrong fleet-wide (not in the records: none before the first). */
  private readonly conditions = new FleetConditions();
  readonly history: MinerHistory;
  private readonly historyPoints: number | undefined;
  /** The latest fleet profit record (totals of the last cycle). */
  private fleetProfit: { cycle: number; body: Json } | null = null;
  /** A cycle that failed after its first batch, recorded before this controller's next write. */
  private interruption: NewRecord[] | null = null;

  private constructor(options: ControllerOptions) {
    this.operator = options.operator;
    this.partition = partitionFor(options.operator.id);
    this.recorder = options.recorder;
    this.adapter = options.adapter;
    this.market = options.market;
    this.clock = options.clock;
    this.concurrency = options.concurrency ?? 256;
    this.endpoints = new Map(options.operator.miners.map((miner) => [miner.id, miner]));
    this.historyPoints = options.historyPoints;
    this.history = new MinerHistory(options.historyPoints);
    this.executor = { state: this.state, endpoints: this.endpoints, adapter: this.adapter, clock: this.clock };
    this.snapshots = options.snapshot ? new SnapshotKeeper(options.snapshot) : undefined;
    this.onSnapshotFailure = options.onSnapshotFailure;
  }

  /** The state the core reads and what a start needs besides (the rest of take, without the view). */
  private takeState(record: StoredRecordLike): void {
    if (!this.opening) this.snapshots?.beforeCycle(record, this.state, this.facts);
    foldRecord(this.state, record);
    this.facts.take(record);
    this.snapshots?.followed(record);
  }

  /** Everything the controller keeps in memory follows the records: the state, charts, latest decisions. */
  private take(record: StoredRecordLike): void {
    this.takeState(record);
    this.history.add(record);
    this.view.take(record);
    if (record.type === recordTypes.profit && (record.body as { minerId?: unknown }).minerId === null) {
      this.fleetProfit = { cycle: Number((record.body as { cycle: number }).cycle), body: record.body };
    }
  }

  /** Rebuilds the state from the partition and records the configuration if it changed. */
  static async open(options: ControllerOptions): Promise<OperatorController> {
    const controller = new OperatorController(options);
    const keeper = controller.snapshots;
    const found = keeper ? await controller.readSnapshot(keeper.file) : undefined;
    const { lastConfig, settle, start } = await readPartition({
      recorder: controller.recorder,
      partition: controller.partition,
      operatorId: options.operator.id,
      clock: controller.clock,
      state: controller.state,
      facts: () => controller.facts,
      take: (record) => controller.take(record),
      takeState: (record) => controller.takeState(record),
      ...(keeper
        ? {
            snapshot: {
              found,
              restore: (snapshot: DecodedSnapshot) => controller.restore(snapshot, keeper),
              reset: () => controller.restore(undefined, keeper),
            },
            beforeLastCycle: (record: StoredRecordLike) =>
              keeper.beforeCycle(record, controller.state, controller.facts),
          }
        : {}),
    });
    controller.startReport = start;
    if (keeper && start.from === "boundary") keeper.fromSeq = start.fromSeq;
    controller.opening = false;
    await controller.appendAndFold(settle);
    await controller.appendAndFold(configRecords(options.operator, lastConfig, controller.state, controller.clock));
    return controller;
  }

  /** The snapshot file decoded, or why it cannot be (none: undefined). */
  private async readSnapshot(file: string): Promise<DecodedSnapshot | { problem: string } | undefined> {
    try {
      const bytes = await readSnapshotFile(file);
      return bytes && decodeSnapshot(bytes);
    } catch (error) {
      return { problem: `it cannot be read (${error instanceof Error ? error.message : String(error)})` };
    }
  }

  /** Holds what a snapshot held (undefined: nothing, as before any record). */
  private restore(snapshot: DecodedSnapshot | undefined, keeper: SnapshotKeeper): void {
    Object.assign(this.state, snapshot?.state ?? emptyState());
    this.facts = snapshot?.facts ?? new StartFacts();
    restoreView(this.view, snapshot?.view ?? { ...new FleetViewState() });
    this.history.restore(snapshot?.history ?? new MinerHistory(this.historyPoints).toSnapshot());
    this.fleetProfit = snapshot?.fleetProfit ?? null;
    if (snapshot) keeper.loaded(snapshot.stateSeq, snapshot.fromSeq);
  }

  /**
   * Writes the state snapshot: after a cycle when one is due, and on a clean shutdown. Encoded a
   * slice at a time under the operator's mutex (what it encodes cannot change meanwhile, and the
   * event loop is never held for long), then written. Rejects when the file cannot be written.
   */
  saveSnapshot(): Promise<SaveOutcome> {
    if (!this.snapshots) return Promise.resolve({ written: false, why: "no snapshot file is configured" });
    return this.snapshots.save(
      () => ({ partition: this.partition, view: this.view, history: this.history, fleetProfit: this.fleetProfit }),
      this.clock.now(),
      (work) => this.mutex.run(work),
    );
  }

  get mode(): Mode {
    return this.state.mode;
  }

  get dryRun(): boolean {
    return this.state.dryRun;
  }

  get busy(): boolean {
    return this.mutex.busy;
  }

  get lastCycle(): CycleReport | null {
    return this.lastReport;
  }

  /** The fleet-wide conditions as of this process's latest cycle; null before it ran one. */
  get fleetConditions(): FleetCondition[] | null {
    return this.lastReport ? this.conditions.current() : null;
  }

  miners(): MinerEndpoint[] {
    return [...this.endpoints.values()];
  }

  hasMiner(minerId: string): boolean {
    return this.endpoints.has(minerId);
  }

  /**
   * The latest poll, the model it last reported, its margin in the latest cycle, the latest
   * decision (and whether it was carried out) and what the controller remembers about a miner.
   */
  minerView(minerId: string) {
    return {
      latest: this.view.latest.get(minerId),
      identity: this.view.identity.get(minerId),
      margin: this.view.marginOf(minerId),
      decision: this.view.decisions.get(minerId),
      memory: this.state.miners.get(minerId) ?? emptyMemory(),
    };
  }

  /** The latest cycle in the ledger, also when it ran before this process started (no report then). */
  get lastCycleSeen(): CycleSeen | null {
    return this.view.cycle;
  }

  /** Fleet totals of the latest cycle (the fleet profit record), if any. */
  get fleetTotals(): { cycle: number; body: Json } | null {
    return this.fleetProfit;
  }

  private async appendAndFold(entries: NewRecord[]): Promise<StoredRecordLike[]> {
    if (entries.length === 0) return [];
    const stored = await this.recorder.appendBatch(this.partition, entries);
    for (const record of stored) this.take(record);
    return stored;
  }

  /**
   * Runs one full cycle; cycles and commands of one operator never overlap. Every cycle comes
   * through here (the loop, POST /loop/run-once, `pithead fleet cycle`), so here a snapshot that is
   * due (SnapshotOptions.everyMs) is written, in the background: the next cycle waits for its encode.
   */
  async runCycle(): Promise<CycleReport> {
    const report = await this.mutex.run(() => this.cycle());
    if (this.snapshots?.due(this.clock.now()))
      this.saveSnapshot().catch((error: unknown) => {
        this.onSnapshotFailure?.(error);
      });
    return report;
  }

  /** Records the cycle that failed in this process (see cycle()), before anything else is written. */
  private async recordInterruption(): Promise<void> {
    if (!this.interruption) return;
    await this.appendAndFold(this.interruption);
    this.interruption = null;
  }

  private async cycle(): Promise<CycleReport> {
    await this.recordInterruption();
    let cycle: number | undefined;
    let step = "evidence";
    let dispatched: Dispatch[] = [];
    try {
      const report = await runCycleSteps(
        {
          operatorId: this.operator.id,
          partition: this.partition,
          recorder: this.recorder,
          adapter: this.adapter,
          market: this.market,
          clock: this.clock,
          concurrency: this.concurrency,
          miners: this.miners(),
          state: this.state,
          take: (record) => this.take(record),
          appendAndFold: (records) => this.appendAndFold(records),
          execute: (dispatch, decisionSeq) => executeDecision(this.executor, dispatch, decisionSeq),
        },
        {
          written: (seq) => {
            cycle = seq;
          },
          reached: (name, dispatch = dispatched) => {
            step = name;
            dispatched = dispatch;
          },
        },
      );
      this.lastReport = report;
      this.conditions.observe(report, this.clock.now());
      return report;
    } catch (error) {
      // Written up to `step`: the next write records why the cycle stopped there, and settles
      // the decisions whose receipts were lost (their commands may have gone out).
      const cycleSeq = cycle as number | undefined;
      if (cycleSeq !== undefined)
        this.interruption = failedCycleRecords(
          cycleSeq,
          step,
          dispatched,
          error,
          this.state,
          new Date(this.clock.now()),
        );
      throw error;
    }
  }

  /**
   * A command from a person (`/miners/:id/start|stop|restart`), see manual-command.ts. An
   * idempotency key makes a retried request return the first one's result instead of acting twice.
   */
  manualCommand(
    minerId: string,
    action: Exclude<Action, "HOLD">,
    requestedBy: string,
    reason: string | null = null,
    idempotencyKey?: string,
  ): Promise<ManualResult> {
    return this.mutex.run(async () => {
      await this.recordInterruption();
      return manualCommand(
        {
          ...this.executor,
          operatorId: this.operator.id,
          partition: this.partition,
          recorder: this.recorder,
          appendAndFold: (records) => this.appendAndFold(records),
        },
        minerId,
        action,
        requestedBy,
        reason,
        idempotencyKey,
      );
    });
  }

  /**
   * With archiving on, hourly (ledger-archiver.ts): a restart or a replay after records are archived
   * reads the state back from the archive boundary only, so the configuration (and a manual mode),
   * and the miners the controller stopped and has not started since, are recorded again, the same
   * values (folding them changes nothing), whenever cycles ran since it last was: wherever the
   * boundary falls, one follows within the hour. Returns how many records it wrote.
   */
  anchorState(): Promise<number> {
    return this.mutex.run(async () => {
      await this.recordInterruption();
      const cyclesSince = (this.state.lastCycle?.seq ?? -1) > (this.state.configSeq ?? -1);
      if (!cyclesSince) return 0;
      // Recorded as on a start whose last configuration is unknown: the operator's current one.
      const entries = configRecords(this.operator, undefined, this.state, this.clock);
      if (this.state.mode !== this.state.configuredMode) {
        const body: ModeBody = {
          mode: this.state.mode,
          previous: this.state.mode,
          by: "archive",
          reason: "re-recorded with the configuration, so that it is read back after older records are archived",
        };
        entries.push({ type: recordTypes.mode, body: body as unknown as Json, at: new Date(this.clock.now()) });
      }
      // With why each was stopped: a thermal latch or an operator's stop outlives its STOP's archiving.
      const reason = "re-recorded, so that it is read back after older records are archived";
      for (const body of stoppedMinerBodies(this.state, MEMORY_IDS_PER_RECORD, reason))
        entries.push({ type: recordTypes.memory, body: body as unknown as Json, at: new Date(this.clock.now()) });
      return (await this.appendAndFold(entries)).length;
    });
  }

  /** Switches AUTO/MANUAL; recorded with who did it. */
  setMode(
    mode: Mode,
    by: string,
    reason: string | null = null,
  ): Promise<{ mode: Mode; previous: Mode; seq: number | null }> {
    return this.mutex.run(async () => {
      await this.recordInterruption();
      const previous = this.state.mode;
      if (previous === mode) return { mode, previous, seq: null };
      const body: ModeBody = { mode, previous, by, reason };
      const [stored] = await this.appendAndFold([
        { type: recordTypes.mode, body: body as unknown as Json, at: new Date(this.clock.now()) },
      ]);
      return { mode, previous, seq: (stored as StoredRecordLike).seq };
    });
  }
}
