// What the fleet view shows beyond the state the core reads: each miner's latest poll, the model
// it last reported, its measured margin, its latest decision and what became of it, and the latest
// cycle. Folded from the same records as the state, so a restart (which folds the partition on
// open) shows the last cycle as it was instead of "unknown" beside the totals of that cycle.

import {
  type Action,
  type CycleBody,
  type DecisionBody,
  type NegativeProofBody,
  type ProfitBody,
  type ReceiptBody,
  recordTypes,
  type TelemetryBody,
} from "../core/records.ts";
import type { Telemetry } from "../telemetry.ts";
import type { StoredRecordLike } from "./recorder.ts";

export type LatestPoll =
  | { seq: number; cycle: number; ok: true; telemetry: Telemetry }
  | { seq: number; cycle: number; ok: false; reason: string };

/**
 * A miner's economics in a cycle as it ran: measured for a hashing miner, $0 revenue and $0 cost
 * for one that is not (stalled, stopped), so the column adds up to the fleet totals. What it would
 * earn if it ran (the nameplate figure the RUN/STOP rule judges) is beside it, never in its place.
 */
export interface MinerMargin {
  cycle: number;
  hashing: boolean;
  revenueUsdPerDay: number;
  costUsdPerDay: number;
  marginUsdPerDay: number;
  /** For a miner not hashing: what it would earn if running (expected hashrate, nameplate power). */
  ifRunningMarginUsdPerDay: number | null;
}

export interface DecisionView {
  seq: number;
  decisionId: string;
  action: Action;
  reason: string;
  detail: string;
  origin: "auto" | "manual";
  requestedBy: string | null;
  at: string;
  /** The action was not carried out: the negative proof's stage, reason and detail. */
  notCarriedOut: { seq: number; stage: string; reason: string; detail: string } | null;
  /** The miner's answer to the dispatched action. */
  receipt: { seq: number; status: "ok" | "failed"; effect: string | null; error: string | null } | null;
}

export interface CycleSeen {
  cycleSeq: number;
  now: string;
  mode: string;
  polled: { ok: number; failed: number };
}

export function minerMargin(body: ProfitBody): MinerMargin {
  const hashing = body.basis === "measured";
  const usd = (micro: number) => (hashing ? micro / 1e6 : 0);
  return {
    cycle: body.cycle,
    hashing,
    revenueUsdPerDay: usd(body.revenueMicroUsdPerDay),
    costUsdPerDay: usd(body.costMicroUsdPerDay),
    marginUsdPerDay: usd(body.marginMicroUsdPerDay),
    ifRunningMarginUsdPerDay: hashing ? null : body.marginMicroUsdPerDay / 1e6,
  };
}

export class FleetViewState {
  readonly latest = new Map<string, LatestPoll>();
  /** The model and firmware a miner last reported: a failed poll still shows what it is. */
  readonly identity = new Map<string, Pick<Telemetry, "model" | "firmware">>();
  readonly margins = new Map<string, MinerMargin>();
  readonly decisions = new Map<string, DecisionView>();
  cycle: CycleSeen | null = null;

  take(record: StoredRecordLike): void {
    switch (record.type) {
      case recordTypes.cycle: {
        const body = record.body as unknown as CycleBody;
        this.cycle = { cycleSeq: record.seq, now: body.now, mode: body.mode, polled: { ok: 0, failed: 0 } };
        return;
      }
      case recordTypes.telemetry: {
        const body = record.body as unknown as TelemetryBody;
        if (body.ok) {
          this.latest.set(body.minerId, { seq: record.seq, cycle: body.cycle, ok: true, telemetry: body.telemetry });
          this.identity.set(body.minerId, { model: body.telemetry.model, firmware: body.telemetry.firmware });
        } else {
          this.latest.set(body.minerId, { seq: record.seq, cycle: body.cycle, ok: false, reason: body.reason });
        }
        if (this.cycle?.cycleSeq === body.cycle) this.cycle.polled[body.ok ? "ok" : "failed"]++;
        return;
      }
      case recordTypes.profit: {
        const body = record.body as unknown as ProfitBody;
        if (body.minerId !== null) this.margins.set(body.minerId, minerMargin(body));
        return;
      }
      case recordTypes.decision: {
        const body = record.body as unknown as DecisionBody;
        this.decisions.set(body.minerId, {
          seq: record.seq,
          decisionId: body.decisionId,
          action: body.action,
          reason: body.reason,
          detail: body.detail,
          origin: body.origin,
          requestedBy: body.requestedBy,
          at: body.decidedAt,
          notCarriedOut: null,
          receipt: null,
        });
        return;
      }
      case recordTypes.negativeProof: {
        const body = record.body as unknown as NegativeProofBody;
        const decision = this.decisions.get(body.minerId);
        if (decision && decision.action !== "HOLD" && body.decisionId === decision.decisionId)
          decision.notCarriedOut = { seq: record.seq, stage: body.stage, reason: body.reason, detail: body.detail };
        return;
      }
      case recordTypes.receipt: {
        const body = record.body as unknown as ReceiptBody;
        const decision = this.decisions.get(body.minerId);
        if (decision && body.decisionId === decision.decisionId)
          decision.receipt = { seq: record.seq, status: body.status, effect: body.effect, error: body.error };
        return;
      }
      default:
        return;
    }
  }

  /** A miner's margin, only when it is from the latest cycle and the miner answered in it. */
  marginOf(minerId: string): MinerMargin | null {
    const margin = this.margins.get(minerId);
    const poll = this.latest.get(minerId);
    if (!margin || !poll?.ok || margin.cycle !== poll.cycle || margin.cycle !== this.cycle?.cycleSeq) return null;
    return margin;
  }
}
