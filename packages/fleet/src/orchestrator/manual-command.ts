// A command from a person (`/miners/:id/start|stop|restart`): recorded as a decision with the
// operator who sent it, then dispatched or suppressed like any other. An idempotency key makes a
// retried request return the first one's result instead of acting twice.

import { randomUUID } from "node:crypto";
import { executionVerdict } from "../core/decide.ts";
import { emptyMemory, operatorCommandReason } from "../core/memory.ts";
import {
  type Action,
  type DecisionBody,
  type Json,
  type NegativeProofBody,
  type ReceiptBody,
  recordTypes,
  withCites,
} from "../core/records.ts";
import { type Executor, executeDecision } from "./execute-decision.ts";
import type { NewRecord, Recorder, StoredRecordLike } from "./recorder.ts";

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

/** An Idempotency-Key already used for a different request (another miner, action or reason). */
export class IdempotencyKeyReusedError extends Error {
  readonly key: string;
  readonly first: { minerId: string; action: Action; decisionId: string; seq: number; detail: string };
  constructor(
    key: string,
    first: DecisionBody,
    seq: number,
    now: { minerId: string; action: Exclude<Action, "HOLD">; detail: string },
  ) {
    const used = `Idempotency-Key '${key}' was already used for ${first.action} of miner '${first.minerId}'`;
    const where = `(decision ${first.decisionId}, ledger record #${seq})`;
    super(
      first.minerId !== now.minerId || first.action !== now.action
        ? `${used} ${where}; this request is ${now.action} of miner '${now.minerId}': send it with a new key`
        : `${used} ${where}, as '${first.detail}'; this request is '${now.detail}': send it with a new key`,
    );
    this.name = "IdempotencyKeyReusedError";
    this.key = key;
    this.first = {
      minerId: first.minerId,
      action: first.action,
      decisionId: first.decisionId,
      seq,
      detail: first.detail,
    };
  }
}

/**
 * The decision's detail: the action, who asked and why. The reason is in the detail (its own
 * text) and not in `requestedBy` (the operator); records written before that carried it in both
 * forms with the same detail, so a retry of such a request is still recognised as the same one.
 */
export function commandDetail(action: Action, requestedBy: string, reason: string | null): string {
  return `${action} requested by ${requestedBy}${reason ? ` (${reason})` : ""}`;
}

export interface ManualContext extends Executor {
  operatorId: string;
  partition: string;
  recorder: Recorder;
  /** Appends the records and folds them into `state`. */
  appendAndFold: (records: NewRecord[]) => Promise<StoredRecordLike[]>;
}

/** Records, then dispatches or suppresses, one command; the caller holds the operator's mutex. */
export async function manualCommand(
  context: ManualContext,
  minerId: string,
  action: Exclude<Action, "HOLD">,
  requestedBy: string,
  reason: string | null,
  idempotencyKey?: string,
): Promise<ManualResult> {
  const { state, operatorId } = context;
  const endpoint = context.endpoints.get(minerId);
  if (!endpoint) throw new UnknownMinerError(minerId);
  const decisionId = `${operatorId}:manual:${idempotencyKey ?? randomUUID()}`;
  const detail = commandDetail(action, requestedBy, reason);
  const earlier = state.decisions.get(decisionId);
  if (earlier) {
    // A key names one request: the same key for another miner, action or reason is a client's
    // mistake, and answering with the first result would silently drop the second command.
    const first = (await context.recorder.get(context.partition, earlier.seq))?.body as unknown as
      | DecisionBody
      | undefined;
    // (The first decision's detail may go on with what a poll found: "; firmware identified …".)
    const same = first?.detail === detail || first?.detail.startsWith(`${detail}; `);
    if (first && (first.minerId !== minerId || first.action !== action || !same))
      throw new IdempotencyKeyReusedError(idempotencyKey ?? "", first, earlier.seq, { minerId, action, detail });
    return await earlierResult(context.recorder, context.partition, decisionId, earlier.seq);
  }

  // Never polled (a command right after start): the firmware decides how to act, so ask the miner
  // now rather than refuse. The poll is not recorded (telemetry belongs to a cycle); the decision
  // says what it found, and the next cycle records the miner's telemetry as usual.
  let memory = state.miners.get(minerId) ?? emptyMemory();
  let identified = "";
  if (memory.family === "unknown") {
    const poll = await context.adapter.poll(endpoint);
    if (poll.ok) {
      const { firmware, boards, model } = poll.telemetry;
      memory = { ...memory, family: firmware.family, devices: boards.length };
      identified = `; firmware identified by a poll just now: ${firmware.family}${firmware.name ? ` (${firmware.name}${firmware.version ? ` ${firmware.version}` : ""})` : ""}, ${model ?? "model not reported"}, ${boards.length} board(s)`;
    } else {
      identified = `; a poll just now to identify its firmware failed (${poll.reason})`;
    }
  }

  const nowMs = context.clock.now();
  const at = new Date(nowMs);
  const decision: DecisionBody = {
    cycle: null,
    decisionId,
    minerId,
    action,
    reason: operatorCommandReason,
    detail: detail + identified,
    origin: "manual",
    requestedBy,
    decidedAt: at.toISOString(),
  };
  const [decisionRecord] = await context.appendAndFold([
    {
      type: recordTypes.decision,
      body: withCites(decision, memory.lastGood ? [memory.lastGood.seq] : []) as unknown as Json,
      at,
    },
  ]);
  const decisionSeq = (decisionRecord as StoredRecordLike).seq;
  const verdict = executionVerdict(state, decision, memory, nowMs);
  if (!verdict.dispatch) {
    const proof: NegativeProofBody = {
      cycle: null,
      key: `${minerId}:execution`,
      minerId,
      stage: "execution",
      suppressed: action,
      reason: verdict.reason,
      detail: `${verdict.detail}${identified}`,
      decisionId,
    };
    const [stored] = await context.appendAndFold([
      { type: recordTypes.negativeProof, body: withCites(proof, [decisionSeq]) as unknown as Json, at },
    ]);
    return {
      decisionId,
      decisionSeq,
      replayed: false,
      // The record as stored (its cites included), as a retried key answers it.
      outcome: {
        kind: "negative-proof",
        seq: (stored as StoredRecordLike).seq,
        body: (stored as StoredRecordLike).body as unknown as NegativeProofBody,
      },
    };
  }
  const receipt = await executeDecision(
    context,
    { decisionId, minerId, action, family: memory.family, devices: memory.devices },
    decisionSeq,
  );
  const [stored] = await context.appendAndFold(receipt ? [receipt] : []);
  const record = stored as StoredRecordLike;
  return {
    decisionId,
    decisionSeq,
    replayed: false,
    outcome: { kind: "receipt", seq: record.seq, body: record.body as unknown as ReceiptBody },
  };
}

/** The first request's outcome, read back from the records after its decision. */
async function earlierResult(
  recorder: Recorder,
  partition: string,
  decisionId: string,
  decisionSeq: number,
): Promise<ManualResult> {
  for await (const record of recorder.read(partition, { fromSeq: decisionSeq + 1 })) {
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
