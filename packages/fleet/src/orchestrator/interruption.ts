// The records that say a cycle or a command was cut short. A decision whose receipt was never
// recorded is never retried on old evidence and never left without an outcome: it gets a negative
// proof saying its outcome is unknown. A cycle that failed in this process is recorded by the next
// write of the same controller; one cut short by the process ending, by the next start (see
// open-partition.ts).

import type { Dispatch } from "../core/decide.ts";
import type { FleetState } from "../core/memory.ts";
import {
  type CycleInterruptedBody,
  type DecisionBody,
  type Json,
  type NegativeProofBody,
  recordTypes,
  withCites,
} from "../core/records.ts";
import { cycleFailure } from "./cycle-failure.ts";
import type { NewRecord } from "./recorder.ts";

/**
 * What happens next to an interrupted decision. An automatic one: the next cycle decides again. A
 * person's command is never decided again (in MANUAL mode nothing would): its Idempotency-Key now
 * answers with this proof, so the person sends it again, with a new key, if it is still wanted.
 */
export function afterInterruption(decision: Pick<DecisionBody, "origin">): string {
  return decision.origin === "manual"
    ? "not retried: check the miner, and send the command again with a new Idempotency-Key if it is still wanted (retrying the same key answers with this proof)"
    : "not retried, the next cycle decides afresh";
}

/** The outcome of a decision whose receipt was never recorded: unknown, and said so. */
export function interruptedProof(
  decisionSeq: number,
  decision: Pick<DecisionBody, "minerId" | "action" | "decisionId" | "origin">,
  at: Date,
  detail = `the controller stopped after recording this decision and before recording its receipt: whether the command reached the miner is unknown; ${afterInterruption(decision)}`,
): NewRecord {
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
 * A cycle that failed after its first batch, written up to `step`: why it stopped there, and the
 * decisions whose receipts were lost settled (their commands may have gone out).
 */
export function failedCycleRecords(
  cycleSeq: number,
  step: string,
  dispatched: Dispatch[],
  error: unknown,
  state: FleetState,
  at: Date,
): NewRecord[] {
  const steps = ["evidence", "decisions", "suppressions", "receipts"];
  const failure = cycleFailure(error);
  const body: CycleInterruptedBody = {
    cycle: cycleSeq,
    reason: failure.code,
    detail: `the cycle failed before it wrote its ${steps.slice(steps.indexOf(step)).join(", ")}: ${failure.reason}`,
    unwritten: steps.slice(steps.indexOf(step)),
  };
  const unsettled = dispatched.filter((dispatch) => !state.executed.has(dispatch.decisionId));
  return [
    { type: recordTypes.cycleInterrupted, body: withCites(body, [cycleSeq]) as unknown as Json, at },
    ...unsettled.map((dispatch) => {
      const decision = state.decisions.get(dispatch.decisionId);
      return interruptedProof(
        decision?.seq ?? cycleSeq,
        { minerId: dispatch.minerId, action: dispatch.action, decisionId: dispatch.decisionId, origin: "auto" },
        at,
        `the cycle failed before this decision's receipt was recorded (${failure.code}): whether the command reached the miner is unknown; ${afterInterruption({ origin: "auto" })}`,
      );
    }),
  ];
}
