// GET /miners' `conditions`: what the latest cycle shows going wrong fleet-wide, the conditions the
// controller's log warns of (fleet-conditions.ts), so the dashboard says the controller's words
// rather than its own version. A cycle this process ran answers with since when each has held; the
// miners whose polls failed are named from their rows (a cycle's report counts them by why only).
// After a restart, until the next cycle, they are read back from the latest cycle's records as the
// fleet view folded them: since when is then not known (null), nor whether a market source's fetch
// was failing or why polls failed (the view keeps neither), and `conditionsNote` says so.

import {
  type ConditionInput,
  conditionOf,
  conditionsOf,
  type FleetCondition,
} from "../orchestrator/fleet-conditions.ts";
import type { OperatorController } from "../orchestrator/operator-controller.ts";

const EXAMPLES = 5;

export function conditionsView(controller: OperatorController): {
  conditions: FleetCondition[];
  conditionsNote: string | null;
} {
  const seen = controller.lastCycleSeen;
  const live = controller.fleetConditions;
  if (live) {
    const conditions = live.map((condition) =>
      condition.code === "polls-failed" && seen
        ? { ...condition, examples: failedPolls(controller, seen.cycleSeq) }
        : condition,
    );
    return { conditions, conditionsNote: null };
  }
  if (!seen) return { conditions: [], conditionsNote: null };
  const input: ConditionInput = {
    miners: controller.miners().length,
    polled: seen.polled,
    pollFailures: {},
    market: { price: { source: null, error: null }, network: { source: null, error: null } },
    decisions: [],
    negativeProofs: [],
    receipts: [],
  };
  for (const { id } of controller.miners()) {
    const { latest, decision } = controller.minerView(id);
    if (latest?.cycle === seen.cycleSeq) {
      if (latest.gate)
        input.negativeProofs.push({
          minerId: id,
          stage: "gate",
          suppressed: "decision",
          reason: latest.gate.reason,
          detail: latest.gate.detail,
        });
    }
    // The cycle's own decisions: recorded after its fleet.cycle record, not a person's command since.
    if (decision?.origin !== "auto" || decision.seq < seen.cycleSeq) continue;
    const { decisionId, action, reason, detail } = decision;
    input.decisions.push({ minerId: id, decisionId, action, reason, detail });
    const proof = decision.notCarriedOut;
    if (proof)
      input.negativeProofs.push({
        minerId: id,
        stage: proof.stage,
        suppressed: action,
        reason: proof.reason,
        detail: proof.detail,
      });
    const receipt = decision.receipt;
    if (receipt)
      input.receipts.push({
        minerId: id,
        decisionId,
        action,
        status: receipt.status,
        detail: receipt.error ?? receipt.effect ?? "",
      });
  }
  const conditions = [...conditionsOf(input).values()].map((condition) =>
    condition.key === "polls-failed"
      ? {
          ...conditionOf(condition, null, null),
          text: `${condition.count} of ${condition.of} miners: polls failed in cycle #${seen.cycleSeq} (why is in their telemetry records)`,
          examples: failedPolls(controller, seen.cycleSeq),
        }
      : conditionOf(condition, null, null),
  );
  return {
    conditions,
    conditionsNote: `Read back from the records of cycle #${seen.cycleSeq}, which ran before the controller started: since when each condition has held is not known, nor whether the price or network source was failing; the next cycle says.`,
  };
}

/** The first miners whose poll failed in the cycle. */
function failedPolls(controller: OperatorController, cycleSeq: number): string[] {
  const ids: string[] = [];
  for (const { id } of controller.miners()) {
    const latest = controller.minerView(id).latest;
    if (latest?.cycle === cycleSeq && !latest.ok) ids.push(id);
    if (ids.length === EXAMPLES) break;
  }
  return ids;
}
