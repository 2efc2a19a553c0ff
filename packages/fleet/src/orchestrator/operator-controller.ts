// The imperative shell around the decision core for one operator: it polls, records, asks the
// pure core what to do, records that, dispatches, and records the receipts. Its state is only
// ever the fold of its own ledger partition, so a restart (or `replay`) rebuilds exactly it.
//
// Write order inside a cycle (each step one appendBatch, each citing only earlier records):
//   fleet.cycle + price + network + telemetry → divergences + profits → decisions + gate
//   negative proofs + fleet profit → policy/execution negative proofs → receipts.
// The cycle record goes with the observations, after the poll: a process that dies during the
// (long) poll leaves nothing. A cycle cut short after that is recorded as fleet.cycle-interrupted:
// by the next cycle when the running controller saw it fail, or by the next start otherwise.

import { randomUUID } from "node:crypto";
import type { CgminerAdapter, MinerEndpoint, PollOutcome } from "../cgminer/adapter.ts";
import type { Clock } from "../clock.ts";
import type { OperatorConfig } from "../config/types.ts";
import {
  type CycleOutcome,
  type Dispatch,
  decideCycle,
  executionVerdict,
  type Planned,
  type Ref,
} from "../core/decide.ts";
import { emptyMemory, emptyState, type FleetState, foldRecord } from "../core/memory.ts";
import type { Mode } from "../core/policy.ts";
import {
  type Action,
  type ConfigBody,
  type CycleBody,
  type CycleInterruptedBody,
  type DecisionBody,
  type Json,
  type ModeBody,
  type NegativeProofBody,
  type NetworkBody,
  type PriceBody,
  type ReceiptBody,
  recordTypes,
  type TelemetryBody,
  withCites,
} from "../core/records.ts";
import { decisionRulesVersion, rulesOf } from "../core/rules-version.ts";
import type { MarketCache } from "../market/market-cache.ts";
import { cycleCompleteness } from "./cycle-completeness.ts";
import { cycleFailure } from "./cycle-failure.ts";
import { MinerHistory } from "./history.ts";
import { mapLimit } from "./map-limit.ts";
import { Mutex } from "./mutex.ts";
import { networkBody, priceBody, telemetryBody } from "./observe.ts";
import { addSpent, cpuMsSince, phaseTimer } from "./phase-timer.ts";
import { partitionFor, type Recorder, type StoredRecordLike } from "./recorder.ts";
import { readBack } from "./unreadable-partition.ts";

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
}

export interface CycleReport {
  operatorId: string;
  cycleSeq: number;
  now: string;
  mode: Mode;
  dryRun: boolean;
  miners: number;
  polled: { ok: number; failed: number };
  decisions: { minerId: string; decisionId: string; action: Action; reason: string; detail: string }[];
  negativeProofs: { minerId: string; stage: string; suppressed: string; reason: string }[];
  receipts: { minerId: string; decisionId: string; action: Action; status: "ok" | "failed"; detail: string }[];
  divergences: number;
  records: number;
  /** The signed checkpoint taken after the cycle (its tree size), or why there is none. */
  checkpoint: { size: number; rootHash: string } | { error: string } | null;
  timingsMs: { poll: number; decide: number; record: number; execute: number; total: number };
  /**
   * The process's CPU time (user + system, every thread) per phase: steadier than wall time on a
   * busy machine. Polling is mostly the kernel's TCP work and the reply parsing.
   */
  cpuMs: { poll: number; decide: number; record: number; execute: number; total: number };
}

export interface ManualResult {
  decisionId: string;
  decisionSeq: number;
  /** Set when an earlier request with the same idempotency key already did the work. */
  replayed: boolean;
  outcome:
    | { kind: "receipt"; seq: number; body: ReceiptBody }
    | { kind: "negative-proof"; seq: number; body: NegativeProofBody };
}

export class UnknownMinerError extends Error {
  readonly minerId: string;
  constructor(minerId: string) {
    super(`no miner '${minerId}' in this operator's fleet`);
    this.name = "UnknownMinerError";
    this.minerId = minerId;
  }
}

function bodyOf(planned: Planned, seqs: Map<string, number>): Json {
  const cites = planned.cites.map((cite) => resolveRef(cite, seqs));
  return withCites(planned.body, cites) as unknown as Json;
}

function refKey(type: string, key: string): string {
  return `${type}\u0000${key}`;
}

export function resolveRef(cite: Ref, seqs: Map<string, number>): number {
  if ("seq" in cite) return cite.seq;
  const seq = seqs.get(refKey(cite.type, cite.key));
  if (seq === undefined)
    throw new Error(`internal: citation of ${cite.type} '${cite.key}' has no record in this cycle`);
  return seq;
}

export { refKey };

/** An Idempotency-Key already used for a different request (another miner or action). */
export class IdempotencyKeyReusedError extends Error {
  readonly key: string;
  readonly first: { minerId: string; action: Action; decisionId: string; seq: number };
  constructor(
    key: string,
    first: DecisionBody,
    seq: number,
    now: { minerId: string; action: Exclude<Action, "HOLD"> },
  ) {
    super(
      `Idempotency-Key '${key}' was already used for ${first.action} of miner '${first.minerId}' (decision ${first.decisionId}, ledger record #${seq}); this request is ${now.action} of miner '${now.minerId}': send it with a new key`,
    );
    this.name = "IdempotencyKeyReusedError";
    this.key = key;
    this.first = { minerId: first.minerId, action: first.action, decisionId: first.decisionId, seq };
  }
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
  private readonly state: FleetState = emptyState();
  /** The latest poll per miner, for the fleet view (not part of the state the core reads). */
  private readonly latest = new Map<string, { seq: number; outcome: PollOutcome }>();
  private lastReport: CycleReport | null = null;
  readonly history: MinerHistory;
  /** The latest fleet profit record (totals of the last cycle). */
  private fleetProfit: { cycle: number; body: Json } | null = null;
  private lastDecision = new Map<string, { seq: number; action: Action; reason: string; at: string }>();
  /** A cycle that failed after its first batch, recorded before this controller's next write. */
  private interruption: { type: string; body: Json; at: Date }[] | null = null;

  private constructor(options: ControllerOptions) {
    this.operator = options.operator;
    this.partition = partitionFor(options.operator.id);
    this.recorder = options.recorder;
    this.adapter = options.adapter;
    this.market = options.market;
    this.clock = options.clock;
    this.concurrency = options.concurrency ?? 256;
    this.endpoints = new Map(options.operator.miners.map((miner) => [miner.id, miner]));
    this.history = new MinerHistory(options.historyPoints);
  }

  /** Everything the controller keeps in memory follows the records: the state, charts, latest decisions. */
  private take(record: StoredRecordLike): void {
    foldRecord(this.state, record);
    this.history.add(record);
    if (record.type === recordTypes.decision) {
      const body = record.body as unknown as DecisionBody;
      this.lastDecision.set(body.minerId, {
        seq: record.seq,
        action: body.action,
        reason: body.reason,
        at: body.decidedAt,
      });
    } else if (record.type === recordTypes.profit && (record.body as { minerId?: unknown }).minerId === null) {
      this.fleetProfit = { cycle: Number((record.body as { cycle: number }).cycle), body: record.body };
    }
  }

  /** Rebuilds the state from the partition and records the configuration if it changed. */
  static async open(options: ControllerOptions): Promise<OperatorController> {
    const controller = new OperatorController(options);
    let lastConfig: Json | undefined;
    // Actions decided but without a receipt or a suppression: the controller stopped in between.
    const unsettled = new Map<string, { seq: number; body: DecisionBody }>();
    // The last cycle, to tell whether it wrote everything: re-derived against the state before it.
    let lastCycle: StoredRecordLike | undefined;
    for await (const record of readBack(
      controller.recorder.read(controller.partition, { type: recordTypes.cycle, reverse: true, limit: 1 }),
      controller.partition,
      options.operator.id,
    ))
      lastCycle = record;
    let beforeLast: FleetState | undefined;
    const lastCycleRecords: StoredRecordLike[] = [];
    let lastRecorded = false;
    const records = readBack(controller.recorder.read(controller.partition), controller.partition, options.operator.id);
    for await (const record of records) {
      controller.take(record);
      if (lastCycle && record.seq === lastCycle.seq) beforeLast = structuredClone(controller.state);
      else if (lastCycle && (record.body as { cycle?: unknown }).cycle === lastCycle.seq) {
        if (record.type === recordTypes.cycleInterrupted) lastRecorded = true;
        else lastCycleRecords.push(record);
      }
      if (record.type === recordTypes.config) lastConfig = record.body;
      const body = record.body as { decisionId?: unknown; stage?: unknown; action?: unknown };
      if (record.type === recordTypes.decision && body.action !== "HOLD") {
        unsettled.set(String(body.decisionId), { seq: record.seq, body: record.body as unknown as DecisionBody });
      } else if (
        record.type === recordTypes.receipt ||
        (record.type === recordTypes.negativeProof && body.stage === "execution")
      ) {
        unsettled.delete(String(body.decisionId));
      }
    }
    // Never retried on old evidence and never left without an outcome: each gets a negative proof.
    const at = new Date(controller.clock.now());
    const cut =
      lastCycle && beforeLast && !lastRecorded
        ? unwrittenSteps(lastCycle, beforeLast, lastCycleRecords, [...unsettled.values()], options.operator.id)
        : [];
    const interrupted: CycleInterruptedBody | undefined =
      lastCycle && cut.length > 0
        ? {
            cycle: lastCycle.seq,
            reason: "PROCESS_STOPPED",
            detail: `the controller stopped during this cycle, before it wrote its ${cut.join(", ")} (the process ended: killed, crashed or lost power; why is not recorded); found on the next start, the next cycle decides afresh`,
            unwritten: cut,
          }
        : undefined;
    await controller.appendAndFold([
      ...(interrupted && lastCycle
        ? [
            {
              type: recordTypes.cycleInterrupted,
              body: withCites(interrupted, [lastCycle.seq]) as unknown as Json,
              at,
            },
          ]
        : []),
      ...[...unsettled.values()].map(({ seq, body }) => interruptedProof(seq, body, at)),
    ]);
    const config: ConfigBody = {
      operatorId: options.operator.id,
      label: options.operator.label,
      mode: options.operator.mode,
      dryRun: options.operator.dryRun,
      policy: options.operator.policy,
      site: options.operator.site,
      miners: options.operator.miners.length,
      minerAddresses: Object.fromEntries(
        options.operator.miners.map((miner) => [
          miner.id,
          `${miner.host.includes(":") ? `[${miner.host}]` : miner.host}:${miner.port}`,
        ]),
      ),
    };
    if (
      lastConfig === undefined ||
      JSON.stringify(sortKeys(lastConfig)) !== JSON.stringify(sortKeys(config as unknown as Json))
    ) {
      const at = new Date(controller.clock.now());
      const entries: { type: string; body: Json; at: Date }[] = [
        { type: recordTypes.config, body: config as unknown as Json, at },
      ];
      // The mode follows the configuration only when the configured mode itself was edited (see
      // foldRecord); then the switch is recorded like any other, with who and why.
      const before = controller.state;
      if (before.configuredMode !== null && before.configuredMode !== config.mode && before.mode !== config.mode) {
        const change: ModeBody = {
          mode: config.mode,
          previous: before.mode,
          by: "config",
          reason: `the configured mode changed from ${before.configuredMode} to ${config.mode}`,
        };
        entries.push({ type: recordTypes.mode, body: change as unknown as Json, at });
      }
      await controller.appendAndFold(entries);
    }
    return controller;
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

  miners(): MinerEndpoint[] {
    return [...this.endpoints.values()];
  }

  hasMiner(minerId: string): boolean {
    return this.endpoints.has(minerId);
  }

  /** The latest poll, the latest decision and what the controller remembers about a miner. */
  minerView(minerId: string) {
    return {
      latest: this.latest.get(minerId),
      decision: this.lastDecision.get(minerId),
      memory: this.state.miners.get(minerId) ?? emptyMemory(),
    };
  }

  /** Fleet totals of the latest cycle (the fleet profit record), if any. */
  get fleetTotals(): { cycle: number; body: Json } | null {
    return this.fleetProfit;
  }

  private async appendAndFold(entries: { type: string; body: Json; at: Date }[]): Promise<StoredRecordLike[]> {
    if (entries.length === 0) return [];
    const stored = await this.recorder.appendBatch(this.partition, entries);
    for (const record of stored) this.take(record);
    return stored;
  }

  /** Runs one full cycle; cycles and commands of one operator never overlap. */
  runCycle(): Promise<CycleReport> {
    return this.mutex.run(() => this.cycle());
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
      return await this.cycleSteps(
        (seq) => (cycle = seq),
        (name, dispatch = dispatched) => {
          step = name;
          dispatched = dispatch;
        },
      );
    } catch (error) {
      // Written up to `step`: the next write records why the cycle stopped there, and settles
      // the decisions whose receipts were lost (their commands may have gone out).
      const cycleSeq = cycle as number | undefined;
      if (cycleSeq !== undefined) {
        const steps = ["evidence", "decisions", "suppressions", "receipts"];
        const failure = cycleFailure(error);
        const at = new Date(this.clock.now());
        const body: CycleInterruptedBody = {
          cycle: cycleSeq,
          reason: failure.code,
          detail: `the cycle failed before it wrote its ${steps.slice(steps.indexOf(step)).join(", ")}: ${failure.reason}`,
          unwritten: steps.slice(steps.indexOf(step)),
        };
        const unsettled = dispatched.filter((dispatch) => !this.state.executed.has(dispatch.decisionId));
        this.interruption = [
          { type: recordTypes.cycleInterrupted, body: withCites(body, [cycleSeq]) as unknown as Json, at },
          ...unsettled.map((dispatch) => {
            const decision = this.state.decisions.get(dispatch.decisionId);
            return interruptedProof(
              decision?.seq ?? cycleSeq,
              { minerId: dispatch.minerId, action: dispatch.action, decisionId: dispatch.decisionId },
              at,
              `the cycle failed before this decision's receipt was recorded (${failure.code}): whether the command reached the miner is unknown; not retried, the next cycle decides afresh`,
            );
          }),
        ];
      }
      throw error;
    }
  }

  private async cycleSteps(
    written: (cycleSeq: number) => void,
    reached: (step: string, dispatch?: Dispatch[]) => void,
  ): Promise<CycleReport> {
    const started = performance.now();
    const startedCpu = process.cpuUsage();
    const nowMs = this.clock.now();
    const at = new Date(nowMs);
    const miners = this.miners();
    const cycleBody: CycleBody = {
      now: at.toISOString(),
      mode: this.state.mode,
      dryRun: this.state.dryRun,
      miners: miners.length,
      rules: decisionRulesVersion,
    };

    // 1. Observe every miner (bounded concurrency) and the market at the same time. Nothing is
    //    written while the network is busy: the cycle record and its observations then go to the
    //    ledger in one batch (one transaction, one durable flush), telemetry in the
    //    configuration's order. The cycle's seq is the partition's size: only this controller
    //    writes it, and only under its mutex.
    const pollTimer = phaseTimer();
    const marketReady = this.market.snapshot();
    const outcomes = await mapLimit(miners, this.concurrency, (miner) => this.adapter.poll(miner));
    const market = await marketReady;
    const pollSpent = pollTimer.stop();

    const recordTimer = phaseTimer();
    const cycle = await this.recorder.size(this.partition);
    const price = priceBody(cycle, market);
    const network = networkBody(cycle, market);
    const [cycleRecord, ...observed] = await this.recorder.appendBatch(this.partition, [
      { type: recordTypes.cycle, body: cycleBody as unknown as Json, at },
      { type: recordTypes.price, body: price as unknown as Json, at },
      { type: recordTypes.network, body: network as unknown as Json, at },
      ...outcomes.map((result) => ({
        type: recordTypes.telemetry,
        body: telemetryBody(cycle, result) as unknown as Json,
        at,
      })),
    ]);
    if (cycleRecord?.seq !== cycle)
      throw new Error(`internal: the cycle record went to #${cycleRecord?.seq}, not #${cycle}: another writer?`);
    written(cycle);
    this.take(cycleRecord);
    let recordSpent = recordTimer.stop();

    const seqs = new Map<string, number>();
    const telemetry: { seq: number; body: TelemetryBody }[] = [];
    const priceSeq = (observed[0] as StoredRecordLike).seq;
    const networkSeq = (observed[1] as StoredRecordLike).seq;
    for (let index = 2; index < observed.length; index++) {
      const record = observed[index] as StoredRecordLike;
      const body = record.body as unknown as TelemetryBody;
      seqs.set(refKey(recordTypes.telemetry, body.minerId), record.seq);
      telemetry.push({ seq: record.seq, body });
      this.latest.set(body.minerId, { seq: record.seq, outcome: outcomes[index - 2] as PollOutcome });
    }
    seqs.set(refKey(recordTypes.price, "price"), priceSeq);
    seqs.set(refKey(recordTypes.network, "network"), networkSeq);

    // 2. Decide (pure), against the state as it was before this cycle's observations.
    const decideTimer = phaseTimer();
    const outcome: CycleOutcome = decideCycle(
      this.state,
      {
        cycleSeq: cycle,
        telemetry,
        price: { seq: priceSeq, body: price },
        network: { seq: networkSeq, body: network },
      },
      nowMs,
      this.operator.id,
    );
    const decideSpent = decideTimer.stop();

    // 3. Record the evidence, the decisions and the suppressions, tier by tier: each tier cites
    //    the one before, so each is one batch committed before the next is prepared.
    const writeTimer = phaseTimer();
    for (const record of observed) this.take(record);
    let records = 1 + observed.length;
    for (const [index, tier] of [outcome.evidence, outcome.decisions, outcome.suppressions].entries()) {
      reached(["evidence", "decisions", "suppressions"][index] as string);
      const stored = await this.appendAndFold(
        tier.map((planned) => ({ type: planned.type, body: bodyOf(planned, seqs), at })),
      );
      for (const [index, planned] of tier.entries()) {
        seqs.set(refKey(planned.type, planned.key), (stored[index] as StoredRecordLike).seq);
      }
      records += stored.length;
    }
    recordSpent = addSpent(recordSpent, writeTimer.stop());

    // 4. Execute what was decided and record each receipt against its decision.
    const executeTimer = phaseTimer();
    reached("receipts", outcome.dispatch);
    const receipts = await mapLimit(outcome.dispatch, this.concurrency, (dispatch) =>
      this.execute(dispatch, seqs.get(refKey(recordTypes.decision, dispatch.minerId)) as number),
    );
    const storedReceipts = await this.appendAndFold(receipts.filter((entry) => entry !== undefined));
    records += storedReceipts.length;
    const executeSpent = executeTimer.stop();

    // 5. Sign a checkpoint over everything the cycle wrote, so it can be proven later.
    let checkpoint: CycleReport["checkpoint"] = null;
    if (this.recorder.checkpoint) {
      try {
        const signed = await this.recorder.checkpoint(this.partition);
        checkpoint = { size: signed.size, rootHash: signed.rootHash };
      } catch (error) {
        checkpoint = { error: error instanceof Error ? error.message : String(error) };
      }
    }

    const report: CycleReport = {
      operatorId: this.operator.id,
      cycleSeq: cycle,
      now: at.toISOString(),
      mode: cycleBody.mode,
      dryRun: cycleBody.dryRun,
      miners: miners.length,
      polled: { ok: outcomes.filter((o) => o.ok).length, failed: outcomes.filter((o) => !o.ok).length },
      decisions: outcome.decisions
        .filter((planned) => planned.type === recordTypes.decision)
        .map((planned) => {
          const body = planned.body as DecisionBody;
          return {
            minerId: body.minerId,
            decisionId: body.decisionId,
            action: body.action,
            reason: body.reason,
            detail: body.detail,
          };
        }),
      negativeProofs: [...outcome.decisions, ...outcome.suppressions]
        .filter((planned) => planned.type === recordTypes.negativeProof)
        .map((planned) => {
          const body = planned.body as NegativeProofBody;
          return { minerId: body.minerId, stage: body.stage, suppressed: body.suppressed, reason: body.reason };
        }),
      receipts: storedReceipts.map((record) => {
        const body = record.body as unknown as ReceiptBody;
        return {
          minerId: body.minerId,
          decisionId: body.decisionId,
          action: body.action,
          status: body.status,
          detail: body.error ?? body.effect ?? "",
        };
      }),
      divergences: outcome.evidence.filter((planned) => planned.type === recordTypes.divergence).length,
      records,
      checkpoint,
      timingsMs: {
        poll: pollSpent.wallMs,
        decide: decideSpent.wallMs,
        record: recordSpent.wallMs,
        execute: executeSpent.wallMs,
        total: performance.now() - started,
      },
      cpuMs: {
        poll: pollSpent.cpuMs,
        decide: decideSpent.cpuMs,
        record: recordSpent.cpuMs,
        execute: executeSpent.cpuMs,
        total: cpuMsSince(startedCpu),
      },
    };
    this.lastReport = report;
    return report;
  }

  /** Dispatches one recorded decision; the receipt entry to append (none if already executed). */
  private async execute(
    dispatch: Dispatch,
    decisionSeq: number,
  ): Promise<{ type: string; body: Json; at: Date } | undefined> {
    if (this.state.executed.has(dispatch.decisionId)) return undefined; // idempotent by decision id
    const endpoint = this.endpoints.get(dispatch.minerId);
    if (!endpoint) return undefined;
    const started = performance.now();
    const result = await this.adapter.execute(endpoint, dispatch.action, {
      family: dispatch.family,
      devices: dispatch.devices,
      nowMs: this.clock.now(),
    });
    const executedAt = new Date(this.clock.now());
    const body: ReceiptBody = {
      decisionId: dispatch.decisionId,
      minerId: dispatch.minerId,
      action: dispatch.action,
      status: result.status === "ok" ? "ok" : "failed",
      effect: result.status === "ok" ? result.effect : null,
      error: result.status === "ok" ? null : result.status === "failed" ? result.error : result.why,
      commands: result.results,
      executedAt: executedAt.toISOString(),
      elapsedMs: Math.round(performance.now() - started),
    };
    return { type: recordTypes.receipt, body: withCites(body, [decisionSeq]) as unknown as Json, at: executedAt };
  }

  /**
   * A command from a person (`/miners/:id/start|stop|restart`): recorded as a decision with the
   * operator who sent it, then dispatched or suppressed like any other. An idempotency key makes
   * a retried request return the first one's result instead of acting twice.
   */
  manualCommand(
    minerId: string,
    action: Exclude<Action, "HOLD">,
    requestedBy: string,
    idempotencyKey?: string,
  ): Promise<ManualResult> {
    return this.mutex.run(async () => {
      await this.recordInterruption();
      const endpoint = this.endpoints.get(minerId);
      if (!endpoint) throw new UnknownMinerError(minerId);
      const decisionId = `${this.operator.id}:manual:${idempotencyKey ?? randomUUID()}`;
      const earlier = this.state.decisions.get(decisionId);
      if (earlier) {
        // A key names one request: the same key for another miner or action is a client's mistake,
        // and answering with the first result would silently drop the second command.
        const first = (await this.recorder.get(this.partition, earlier.seq))?.body as unknown as
          | DecisionBody
          | undefined;
        if (first && (first.minerId !== minerId || first.action !== action))
          throw new IdempotencyKeyReusedError(idempotencyKey ?? "", first, earlier.seq, { minerId, action });
        return await this.earlierResult(decisionId, earlier.seq);
      }

      const nowMs = this.clock.now();
      const at = new Date(nowMs);
      const memory = this.state.miners.get(minerId) ?? emptyMemory();
      const decision: DecisionBody = {
        cycle: null,
        decisionId,
        minerId,
        action,
        reason: "MANUAL_COMMAND",
        detail: `${action} requested by ${requestedBy}`,
        origin: "manual",
        requestedBy,
        decidedAt: at.toISOString(),
      };
      const [decisionRecord] = await this.appendAndFold([
        {
          type: recordTypes.decision,
          body: withCites(decision, memory.lastGood ? [memory.lastGood.seq] : []) as unknown as Json,
          at,
        },
      ]);
      const decisionSeq = (decisionRecord as StoredRecordLike).seq;
      const verdict = executionVerdict(this.state, decision, memory, nowMs);
      if (!verdict.dispatch) {
        const proof: NegativeProofBody = {
          cycle: null,
          key: `${minerId}:execution`,
          minerId,
          stage: "execution",
          suppressed: action,
          reason: verdict.reason,
          detail: verdict.detail,
          decisionId,
        };
        const [stored] = await this.appendAndFold([
          { type: recordTypes.negativeProof, body: withCites(proof, [decisionSeq]) as unknown as Json, at },
        ]);
        return {
          decisionId,
          decisionSeq,
          replayed: false,
          outcome: { kind: "negative-proof", seq: (stored as StoredRecordLike).seq, body: proof },
        };
      }
      const receipt = await this.execute(
        { decisionId, minerId, action, family: memory.family, devices: memory.devices },
        decisionSeq,
      );
      const [stored] = await this.appendAndFold(receipt ? [receipt] : []);
      const record = stored as StoredRecordLike;
      return {
        decisionId,
        decisionSeq,
        replayed: false,
        outcome: { kind: "receipt", seq: record.seq, body: record.body as unknown as ReceiptBody },
      };
    });
  }

  private async earlierResult(decisionId: string, decisionSeq: number): Promise<ManualResult> {
    for await (const record of this.recorder.read(this.partition, { fromSeq: decisionSeq + 1 })) {
      const body = record.body as { decisionId?: unknown };
      if (body.decisionId !== decisionId) continue;
      if (record.type === recordTypes.receipt) {
        return {
          decisionId,
          decisionSeq,
          replayed: true,
          outcome: { kind: "receipt", seq: record.seq, body: record.body as unknown as ReceiptBody },
        };
      }
      if (record.type === recordTypes.negativeProof) {
        return {
          decisionId,
          decisionSeq,
          replayed: true,
          outcome: { kind: "negative-proof", seq: record.seq, body: record.body as unknown as NegativeProofBody },
        };
      }
    }
    throw new Error(`decision ${decisionId} has neither a receipt nor a negative proof`);
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

/** The outcome of a decision whose receipt was never recorded: unknown, and said so. */
function interruptedProof(
  decisionSeq: number,
  decision: Pick<DecisionBody, "minerId" | "action" | "decisionId">,
  at: Date,
  detail = "the controller stopped after recording this decision and before recording its receipt: whether the command reached the miner is unknown; not retried, the next cycle decides afresh",
): { type: string; body: Json; at: Date } {
  const proof: NegativeProofBody = {
    cycle: null,
    key: `${decision.minerId}:execution`,
    minerId: decision.minerId,
    stage: "execution",
    suppressed: decision.action,
    reason: "INTERRUPTED",
    detail,
    decisionId: decision.decisionId,
  };
  return { type: recordTypes.negativeProof, body: withCites(proof, [decisionSeq]) as unknown as Json, at };
}

/**
 * The steps a cycle never wrote (none: it is complete): its derived records are re-derived from
 * the state before it, as replay does, and compared tier by tier with those in the ledger.
 */
function unwrittenSteps(
  cycleRecord: StoredRecordLike,
  before: FleetState,
  records: StoredRecordLike[],
  unsettled: { body: DecisionBody }[],
  operatorId: string,
): string[] {
  const telemetry: { seq: number; body: TelemetryBody }[] = [];
  let price: { seq: number; body: PriceBody } | undefined;
  let network: { seq: number; body: NetworkBody } | undefined;
  const present = new Set<string>();
  for (const record of records) {
    const body = record.body as Record<string, Json>;
    if (record.type === recordTypes.telemetry)
      telemetry.push({ seq: record.seq, body: body as unknown as TelemetryBody });
    else if (record.type === recordTypes.price) price = { seq: record.seq, body: body as unknown as PriceBody };
    else if (record.type === recordTypes.network) network = { seq: record.seq, body: body as unknown as NetworkBody };
    else present.add(refKey(record.type, typeof body.key === "string" ? body.key : String(body.minerId)));
  }
  if (!price || !network) return ["observations", "evidence", "decisions", "suppressions", "receipts"];
  const cycleSeq = cycleRecord.seq;
  let steps: string[] = [];
  // Under older rules a re-derivation may differ anyway: only the unsettled decisions tell then.
  if (rulesOf(cycleRecord.body as unknown as CycleBody) === decisionRulesVersion) {
    try {
      const nowMs = Date.parse((cycleRecord.body as unknown as CycleBody).now);
      const outcome = decideCycle(before, { cycleSeq, telemetry, price, network }, nowMs, operatorId);
      steps = cycleCompleteness(outcome, (item) => present.has(refKey(item.type, item.key))).cutTiers;
    } catch {
      // Replay reports a cycle that cannot be re-derived; the start goes on.
    }
  }
  if (unsettled.some(({ body }) => body.cycle === cycleSeq)) steps.push("receipts");
  return steps;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, Json>)[key] as Json)]),
    );
  }
  return value;
}
