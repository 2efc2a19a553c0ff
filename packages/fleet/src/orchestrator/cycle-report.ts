// What one cycle did, for the caller (the API's run-once, the CLI, the bench, the cycle log):
// a summary of the records it wrote, with wall and CPU time per phase.

import type { PollOutcome } from "../cgminer/adapter.ts";
import type { CycleOutcome } from "../core/decide.ts";
import type { Mode } from "../core/policy.ts";
import type {
  Action,
  CycleBody,
  DecisionBody,
  ModelChangeBody,
  NegativeProofBody,
  NetworkBody,
  PriceBody,
  ReceiptBody,
} from "../core/records.ts";
import { recordTypes } from "../core/records.ts";
import type { Spent } from "./phase-timer.ts";
import type { StoredRecordLike } from "./recorder.ts";

export interface CycleReport {
  operatorId: string;
  cycleSeq: number;
  now: string;
  mode: Mode;
  dryRun: boolean;
  miners: number;
  polled: { ok: number; failed: number };
  /** The failed polls by why (`connect-refused`, `timeout`, …): what the log says of a fleet-wide outage. */
  pollFailures: Record<string, number>;
  /** Where the market figures came from and the last fetch's error (a cached figure can hide one). */
  market: {
    price: { source: string | null; error: string | null };
    network: { source: string | null; error: string | null };
  };
  decisions: { minerId: string; decisionId: string; action: Action; reason: string; detail: string }[];
  negativeProofs: { minerId: string; stage: string; suppressed: string; reason: string; detail: string }[];
  receipts: { minerId: string; decisionId: string; action: Action; status: "ok" | "failed"; detail: string }[];
  divergences: number;
  /** Miners that reported another model than before: swapped machines, a warning for the operator. */
  modelChanges: { minerId: string; from: string; to: string; detail: string }[];
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

export function cycleReport(cycle: {
  operatorId: string;
  cycleSeq: number;
  body: CycleBody;
  price: PriceBody;
  network: NetworkBody;
  outcomes: PollOutcome[];
  outcome: CycleOutcome;
  receipts: StoredRecordLike[];
  records: number;
  checkpoint: CycleReport["checkpoint"];
  spent: { poll: Spent; decide: Spent; record: Spent; execute: Spent; total: Spent };
}): CycleReport {
  const { outcome, outcomes, spent } = cycle;
  return {
    operatorId: cycle.operatorId,
    cycleSeq: cycle.cycleSeq,
    now: cycle.body.now,
    mode: cycle.body.mode,
    dryRun: cycle.body.dryRun,
    miners: cycle.body.miners,
    polled: { ok: outcomes.filter((o) => o.ok).length, failed: outcomes.filter((o) => !o.ok).length },
    pollFailures: failuresOf(outcomes),
    market: {
      price: { source: cycle.price.source, error: cycle.price.error },
      network: { source: cycle.network.source, error: cycle.network.error },
    },
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
        return {
          minerId: body.minerId,
          stage: body.stage,
          suppressed: body.suppressed,
          reason: body.reason,
          detail: body.detail,
        };
      }),
    receipts: cycle.receipts.map((record) => {
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
    modelChanges: outcome.evidence
      .filter((planned) => planned.type === recordTypes.modelChange)
      .map((planned) => {
        const { minerId, from, to, detail } = planned.body as ModelChangeBody;
        return { minerId, from, to, detail };
      }),
    records: cycle.records,
    checkpoint: cycle.checkpoint,
    timingsMs: {
      poll: spent.poll.wallMs,
      decide: spent.decide.wallMs,
      record: spent.record.wallMs,
      execute: spent.execute.wallMs,
      total: spent.total.wallMs,
    },
    cpuMs: {
      poll: spent.poll.cpuMs,
      decide: spent.decide.cpuMs,
      record: spent.record.cpuMs,
      execute: spent.execute.cpuMs,
      total: spent.total.cpuMs,
    },
  };
}

function failuresOf(outcomes: PollOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) if (!outcome.ok) counts[outcome.failure] = (counts[outcome.failure] ?? 0) + 1;
  return counts;
}
