// The version of the decision rules. A cycle records the version it was decided under (its
// fleet.cycle record's `rules`; records without one were written under version 1), so replay can
// tell a cycle that no longer re-derives because the rules changed from one whose evidence or
// decisions were altered.
//
//   1  the original rules
//   2  unknown power is an unknown margin, never a $0 cost (MARGIN_UNKNOWN); a miner that reports
//      0 TH/s counts towards a restart whether or not its nameplate is known; a config record
//      changes the mode only when the configured mode itself changed; impossible hashrates without
//      a nameplate, implausible market figures and profits out of the exact range are caught
//   3  a decision's detail writes a loss as "-$0.92/day" (it was "$-0.92/day"), so a cycle decided
//      under 2 replays as rules-changed wherever a margin was negative; a market figure whose
//      source time is more than 60 s ahead of the cycle is refused (FUTURE_PRICE_TIME,
//      FUTURE_NETWORK_TIME, blocking) instead of counting as fresh, and a figure's age is never
//      negative (counted from its fetch when the source dates it later)
//   4  a thermal stop latches: a miner the controller stopped for OVER_TEMPERATURE is not started
//      again when it cools (HOLD THERMAL_LATCH, where it was HOLD TEMPERATURE_WARN and then RUN
//      PROFITABLE_AGAIN) until an operator starts or restarts it; so does an operator's stop: a
//      miner stopped by a person's command is held as STOPPED_BY_OPERATOR whatever the margin (was
//      STOPPED_UNPROFITABLE, then RUN PROFITABLE_AGAIN once profitable) until an operator starts
//      or restarts it; an action for a miner whose firmware is not identified yet is suppressed as
//      FIRMWARE_UNKNOWN (was UNSUPPORTED_BY_FIRMWARE)
//   5  a latched miner that hashes again (started by hand outside Pithead) is still held by its
//      latch: HOLD STOPPED_BY_OPERATOR or HOLD THERMAL_LATCH saying it hashes again, where it was
//      decided as if not latched (HOLD RUNNING_PROFITABLY, or a RESTART / STOP by the margin); a
//      miner measuring under 5 % of its expected rate (not hashing, for the rules) has measured
//      profit figures and counts in the fleet totals (its draw was priced at $0 as it ran)
//   6  a miner that reports another model than before (swapped for another machine at its id) is
//      recorded as fleet.model-change evidence, and what was learnt of the old machine is dropped:
//      its low-hashrate streak (toward a RESTART) and its counters (COUNTERS_BACKWARDS)
export const decisionRulesVersion = 6;

/** The rules a cycle record says it was decided under. */
export function rulesOf(cycle: { rules?: unknown }): number {
  return typeof cycle.rules === "number" && Number.isSafeInteger(cycle.rules) ? cycle.rules : 1;
}
