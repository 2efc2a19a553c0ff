// One cycle of one operator, step by step: poll every miner and the market, record the
// observations, ask the pure core what to do, record that tier by tier, dispatch, record the
// receipts, sign a checkpoint. The caller holds the operator's mutex and records an interruption
// when this throws (see operator-controller.ts).

import type { CgminerAdapter, MinerEndpoint } from "../cgminer/adapter.ts";
import type { Clock } from "../clock.ts";
import { type CycleOutcome, type Dispatch, decideCycle } from "../core/decide.ts";
import type { FleetState } from "../core/memory.ts";
import { type CycleBody, type Json, recordTypes, type TelemetryBody } from "../core/records.ts";
import { decisionRulesVersion } from "../core/rules-version.ts";
import type { MarketCache } from "../market/market-cache.ts";
import { bodyOf, CycleSeqs } from "./cycle-refs.ts";
import { type CycleReport, cycleReport } from "./cycle-report.ts";
import { mapLimit } from "./map-limit.ts";
import { networkBody, priceBody, telemetryBody } from "./observe.ts";
import { addSpent, phaseTimer } from "./phase-timer.ts";
import type { NewRecord, Recorder, StoredRecordLike } from "./recorder.ts";

/** Captured at load: tests that install fake timers must not stall a cycle. */
const nextTurn: (callback: () => void) => void = globalThis.setImmediate;

export interface CycleContext {
  operatorId: string;
  partition: string;
  recorder: Recorder;
  adapter: CgminerAdapter;
  market: MarketCache;
  clock: Clock;
  /** Polls and commands in flight at once. */
  concurrency: number;
  miners: MinerEndpoint[];
  /** The operator's state; `take` and `appendAndFold` fold records into it. */
  state: FleetState;
  take: (record: StoredRecordLike) => void;
  appendAndFold: (records: NewRecord[]) => Promise<StoredRecordLike[]>;
  execute: (dispatch: Dispatch, decisionSeq: number) => Promise<NewRecord | undefined>;
}

/** How far a cycle got, for the record of its interruption: its seq, then each step it reached. */
export interface CycleProgress {
  written(cycleSeq: number): void;
  reached(step: string, dispatch?: Dispatch[]): void;
}

export async function runCycleSteps(context: CycleContext, progress: CycleProgress): Promise<CycleReport> {
  const { recorder, partition, state, miners } = context;
  const totalTimer = phaseTimer();
  const nowMs = context.clock.now();
  const at = new Date(nowMs);
  const cycleBody: CycleBody = {
    now: at.toISOString(),
    mode: state.mode,
    dryRun: state.dryRun,
    miners: miners.length,
    rules: decisionRulesVersion,
  };

  // 1. Observe every miner (bounded concurrency) and the market at the same time. Nothing is
  //    written while the network is busy: the cycle record and its observations then go to the
  //    ledger in one batch (one transaction, one durable flush), telemetry in the
  //    configuration's order. The cycle's seq is the partition's size: only this controller
  //    writes it, and only under its mutex.
  const pollTimer = phaseTimer();
  const marketReady = context.market.snapshot();
  const outcomes = await mapLimit(miners, context.concurrency, (miner) => context.adapter.poll(miner));
  const market = await marketReady;
  const pollSpent = pollTimer.stop();

  const recordTimer = phaseTimer();
  const cycle = await recorder.size(partition);
  const price = priceBody(cycle, market);
  const network = networkBody(cycle, market);
  const bodies = outcomes.map((result) => telemetryBody(cycle, result));
  const storing = recorder.appendBatch(partition, [
    { type: recordTypes.cycle, body: cycleBody as unknown as Json, at },
    { type: recordTypes.price, body: price as unknown as Json, at },
    { type: recordTypes.network, body: network as unknown as Json, at },
    ...bodies.map((body) => ({ type: recordTypes.telemetry, body: body as unknown as Json, at })),
  ]);
  storing.catch(() => {}); // awaited below, after the decision: not an unhandled rejection meanwhile
  // One turn, in which the ledger's group commit encodes the batch and starts writing it.
  await new Promise<void>((resolve) => nextTurn(resolve));
  let recordSpent = recordTimer.stop();

  // The seqs the batch gets: the partition's size onward, in order (checked once it is stored).
  const seqs = new CycleSeqs();
  const telemetry: { seq: number; body: TelemetryBody }[] = [];
  const priceSeq = cycle + 1;
  const networkSeq = cycle + 2;
  for (const [index, body] of bodies.entries()) {
    seqs.set(recordTypes.telemetry, body.minerId, cycle + 3 + index);
    telemetry.push({ seq: cycle + 3 + index, body });
  }
  seqs.set(recordTypes.price, "price", priceSeq);
  seqs.set(recordTypes.network, "network", networkSeq);

  // 2. Decide (pure), against the state as it was before this cycle's observations, while the
  //    batch is written and flushed: it reads the observations and their seqs, not the ledger.
  const decideTimer = phaseTimer();
  let decided: { outcome: CycleOutcome } | { error: unknown };
  try {
    decided = {
      outcome: decideCycle(
        state,
        {
          cycleSeq: cycle,
          telemetry,
          price: { seq: priceSeq, body: price },
          network: { seq: networkSeq, body: network },
        },
        nowMs,
        context.operatorId,
      ),
    };
  } catch (error) {
    decided = { error };
  }
  const decideSpent = decideTimer.stop();

  const storedTimer = phaseTimer();
  const [cycleRecord, ...observed] = await storing;
  const last = observed[observed.length - 1];
  if (cycleRecord?.seq !== cycle || observed.length !== bodies.length + 2 || last?.seq !== cycle + observed.length)
    throw new Error(
      `internal: the cycle's records went to #${cycleRecord?.seq}..#${last?.seq}, not #${cycle}..#${cycle + bodies.length + 2}: another writer?`,
    );
  progress.written(cycle);
  context.take(cycleRecord);
  recordSpent = addSpent(recordSpent, storedTimer.stop());
  // Thrown once the cycle's first batch is accounted for, as a failure after it always was.
  if ("error" in decided) throw decided.error;
  const outcome = decided.outcome;

  // 3. Record the evidence, the decisions and the suppressions, tier by tier: each tier cites
  //    the one before, so each is one batch committed before the next is prepared.
  const writeTimer = phaseTimer();
  for (const record of observed) context.take(record);
  let records = 1 + observed.length;
  for (const [index, tier] of [outcome.evidence, outcome.decisions, outcome.suppressions].entries()) {
    progress.reached(["evidence", "decisions", "suppressions"][index] as string);
    const stored = await context.appendAndFold(
      tier.map((planned) => ({ type: planned.type, body: bodyOf(planned, seqs), at })),
    );
    for (const [index, planned] of tier.entries()) {
      seqs.set(planned.type, planned.key, (stored[index] as StoredRecordLike).seq);
    }
    records += stored.length;
  }
  recordSpent = addSpent(recordSpent, writeTimer.stop());

  // 4. Execute what was decided and record each receipt against its decision.
  const executeTimer = phaseTimer();
  progress.reached("receipts", outcome.dispatch);
  const receipts = await mapLimit(outcome.dispatch, context.concurrency, (dispatch) =>
    context.execute(dispatch, seqs.get(recordTypes.decision, dispatch.minerId) as number),
  );
  const storedReceipts = await context.appendAndFold(receipts.filter((entry) => entry !== undefined));
  records += storedReceipts.length;
  const executeSpent = executeTimer.stop();

  // 5. Sign a checkpoint over everything the cycle wrote, so it can be proven later.
  let checkpoint: CycleReport["checkpoint"] = null;
  if (recorder.checkpoint) {
    try {
      const signed = await recorder.checkpoint(partition);
      checkpoint = { size: signed.size, rootHash: signed.rootHash };
    } catch (error) {
      checkpoint = { error: error instanceof Error ? error.message : String(error) };
    }
  }

  return cycleReport({
    operatorId: context.operatorId,
    cycleSeq: cycle,
    body: cycleBody,
    price,
    network,
    outcomes,
    outcome,
    receipts: storedReceipts,
    records,
    checkpoint,
    spent: {
      poll: pollSpent,
      decide: decideSpent,
      record: recordSpent,
      execute: executeSpent,
      total: totalTimer.stop(),
    },
  });
}
