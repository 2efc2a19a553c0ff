// Which of a cycle's re-derived records are absent because the cycle was cut short, and which are
// absent from a step the cycle did write. A cycle writes its records tier by tier (observations,
// evidence, decisions, suppressions; see operator-controller.ts), so a cycle that was interrupted
// has every tier up to some point and none after it. A record missing from a tier that was written
// is never an interruption: something removed it, or the rules no longer derive it.

import type { CycleOutcome, Planned } from "../core/decide.ts";

export const tierNames = ["evidence", "decisions", "suppressions"] as const;

export interface CycleCompleteness {
  /** The re-derived records missing from a tier the cycle wrote (real differences). */
  missing: Planned[];
  /** The re-derived records of the tiers after the last one written (the cycle was cut short). */
  cut: Planned[];
  /** The tiers never written, by name (empty: the cycle is complete as far as derivation goes). */
  cutTiers: string[];
}

export function cycleCompleteness(
  outcome: Pick<CycleOutcome, "evidence" | "decisions" | "suppressions">,
  present: (item: Planned) => boolean,
): CycleCompleteness {
  const tiers = [outcome.evidence, outcome.decisions, outcome.suppressions];
  let lastWritten = -1;
  for (const [index, tier] of tiers.entries()) if (tier.some(present)) lastWritten = index;
  const result: CycleCompleteness = { missing: [], cut: [], cutTiers: [] };
  for (const [index, tier] of tiers.entries()) {
    const absent = tier.filter((item) => !present(item));
    if (index <= lastWritten) result.missing.push(...absent);
    else if (absent.length > 0) {
      result.cut.push(...absent);
      result.cutTiers.push(tierNames[index] as string);
    }
  }
  return result;
}
