// What the fleet view shows beyond the state the core reads: each miner's latest poll, the model
// it last reported, its measured margin, its latest decision and what became of it, and the latest
// cycle. Folded from the same records as the state, so a restart (which folds the partition on
// open) shows the last cycle as it was instead of "unknown" beside the totals of that cycle.

import {
  type Action,
  type CycleBody,
  type DecisionBody,
  type DivergenceBody,
  type NegativeProofBody,
  type ProfitBody,
  type ReceiptBody,
  recordTypes,
  type TelemetryBody,
} from "../core/records.ts";
import type { Telemetry } from "../telemetry.ts";
import type { StoredRecordLike } from "./recorder.ts";

/** The evidence gate's negative proof of the miner's latest cycle: no decision was made in it. */
export interface GateView {
  seq: number;
  /** The blocking divergences' codes, as the proof lists them ("LOST_COMMS,STALE_PRICE"). */
  reason: string;
  detail: string;
}

export type LatestPoll = (
  | { seq: number; cycle: number; ok: true; telemetry: Telemetry }
  | { seq: number; cycle: number; ok: false; reason: string }
) & {
  /** Set when the gate blocked the miner in that cycle; its last decision is then an older one. */
  gate?: GateView;
};

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
  /** Miners the evidence gate blocked in this cycle, by divergence code (one miner can count under two). */
  gated: Record<string, number>;
  /** What made the cycle's market data unusable (stale, implausible, dated ahead): no profit, no totals. */
  marketProblems: { code: string; detail: string }[];
  /** The latest cycle with fleet totals (a fleet profit record), this one or an older one. */
  totalsFrom: { cycleSeq: number; now: string } | null;
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
        this.cycle = {
          cycleSeq: record.seq,
          now: body.now,
          mode: body.mode,
          polled: { ok: 0, failed: 0 },
          gated: {},
          marketProblems: [],
          totalsFrom: this.cycle?.totalsFrom ?? null,
        };
        return;
      }
      case recordTypes.divergence: {
        const body = record.body as unknown as DivergenceBody;
        if (body.minerId === null && this.cycle?.cycleSeq === body.cycle)
          this.cycle.marketProblems.push({ code: body.code, detail: body.detail });
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
        else if (this.cycle?.cycleSeq === body.cycle)
          this.cycle.totalsFrom = { cycleSeq: body.cycle, now: this.cycle.now };
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
        if (body.stage === "gate") {
          const poll = this.latest.get(body.minerId);
          if (poll && poll.cycle === body.cycle)
            poll.gate = { seq: record.seq, reason: body.reason, detail: body.detail };
          if (this.cycle?.cycleSeq === body.cycle)
            for (const code of body.reason.split(",")) this.cycle.gated[code] = (this.cycle.gated[code] ?? 0) + 1;
          return;
        }
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
