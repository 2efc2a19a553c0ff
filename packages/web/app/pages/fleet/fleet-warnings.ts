// What is wrong across the fleet, for one banner on the Fleet page: the evidence gate holding
// miners, latched miners hashing again, polls failing, a market source failing, actions the
// controller decided but could not carry out, commands the miners refused. The controller says
// these fleet-wide conditions in /miners' `conditions` (packages/fleet's fleet-conditions.ts, the
// ones its log warns of), and the banner shows those, in its words. An older controller sends no
// such field: then they are worked out here from the same answer, every miner's row, not the rows
// the table shows, so a search or a filter never hides one.
// Pure functions of the /miners answer.

import type { FleetCondition, FleetMiner, FleetView } from "../../api/fleet.ts";
import { formatInteger, formatTime } from "../../lib/format.ts";
import { gateBanner, latchedHashingNote, someIds } from "./fleet-health.ts";

export interface FleetWarning {
  /** Stable across refreshes: what the condition is, not how big. */
  key: string;
  tone: "warn" | "info";
  text: string;
}

/** As the controller's log: a fleet-wide poll failure is news, one flaky miner is its row's business. */
const FAILED_POLLS_FRACTION = 0.05;
/** Suppressions a person chose (the mode, a dry run) or a cooldown: by design, not a condition. */
const chosenSuppressions = new Set(["MANUAL_MODE", "DRY_RUN", "HOLD", "COOLDOWN"]);

/** The latest decision, when it was made in or after the latest cycle (a decision's seq is above its cycle's). */
function latestDecision(miner: FleetMiner, cycleSeq: number): FleetMiner["lastDecision"] {
  const decision = miner.lastDecision;
  return decision !== null && decision.seq > cycleSeq ? decision : null;
}

/** Rows grouped by what went wrong, in the order first seen. */
function grouped(rows: readonly FleetMiner[], keyOf: (miner: FleetMiner) => string | null): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const miner of rows) {
    const key = keyOf(miner);
    if (key === null) continue;
    groups.set(key, [...(groups.get(key) ?? []), miner.id]);
  }
  return groups;
}

/** One of the controller's conditions as a banner line: its words, which miners, since when. */
function conditionWarning(condition: FleetCondition): FleetWarning {
  const { examples, count, cycles, since } = condition;
  const miners = examples.length === 0 ? "" : ` (${examples.length < count ? "e.g. " : ""}${examples.join(", ")})`;
  const lasting =
    since !== null && cycles !== null && cycles > 1 ? `, for ${cycles} cycles since ${formatTime(since)}` : "";
  return {
    key: `condition:${condition.code}`,
    tone: "warn",
    text: `${condition.text.replace(/\.$/, "")}${miners}${lasting}.`,
  };
}

export function fleetWarnings(
  view: Pick<FleetView, "lastCycle" | "count" | "miners" | "conditions" | "conditionsNote">,
): FleetWarning[] {
  if (view.conditions) {
    const warnings = view.conditions.map(conditionWarning);
    if (view.conditionsNote) warnings.push({ key: "conditions-note", tone: "info", text: view.conditionsNote });
    return warnings;
  }
  return ownWarnings(view);
}

/** For a controller that sends no `conditions`: the conditions as the rows show them. */
function ownWarnings(view: Pick<FleetView, "lastCycle" | "count" | "miners">): FleetWarning[] {
  const warnings: FleetWarning[] = [];
  const { lastCycle, count, miners } = view;
  const ofFleet = (n: number) => `${formatInteger(n)} of ${formatInteger(count)} miners`;
  const gates = gateBanner(lastCycle, count);
  if (gates) warnings.push({ key: "gate", ...gates });
  const latched = latchedHashingNote(miners);
  if (latched) warnings.push({ key: "latched-hashing", tone: "warn", text: latched });
  if (!lastCycle) return warnings;

  const failed = lastCycle.polled.failed;
  if (failed > 0 && failed >= Math.max(1, count * FAILED_POLLS_FRACTION)) {
    const ids = miners.filter((miner) => miner.status === "failed" && miner.cycle === lastCycle.cycleSeq);
    warnings.push({
      key: "polls-failed",
      tone: "warn",
      text: `Polls failed for ${ofFleet(failed)} in cycle #${lastCycle.cycleSeq}${ids.length > 0 ? `: ${someIds(ids.map((miner) => miner.id))}` : ""}.`,
    });
  }

  const notCarriedOut = grouped(miners, (miner) => {
    const decision = latestDecision(miner, lastCycle.cycleSeq);
    const suppressed = decision?.notCarriedOut;
    if (!decision || !suppressed || chosenSuppressions.has(suppressed.reason)) return null;
    return `${decision.action} (${decision.reason}) not carried out (${suppressed.reason})`;
  });
  for (const [what, ids] of notCarriedOut)
    warnings.push({
      key: `not-carried-out:${what}`,
      tone: "warn",
      text: `${what} for ${ofFleet(ids.length)}: ${someIds(ids)}.`,
    });

  const refused = grouped(miners, (miner) => {
    const decision = latestDecision(miner, lastCycle.cycleSeq);
    return decision?.receipt?.status === "failed" ? decision.action : null;
  });
  for (const [action, ids] of refused)
    warnings.push({
      key: `receipt:${action}`,
      tone: "warn",
      text: `${action} failed for ${ofFleet(ids.length)}: ${someIds(ids)}.`,
    });

  if (miners.length < count)
    warnings.push({
      key: "partial",
      tone: "info",
      text: `Only the first ${ofFleet(miners.length)} were read: what is said of single miners covers those.`,
    });
  return warnings;
}
