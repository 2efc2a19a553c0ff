// Reputation: an integer in [0, 1000], 500 for a new miner. Replication is how we learn who is
// honest (BOINC's model): agreeing with the quorum earns a little, disagreeing costs a lot, and
// walking away from a lease costs a little. Matching serves reputable miners first and a job can
// ask for a minimum.

export const REPUTATION_START = 500;
export const REPUTATION_MIN = 0;
export const REPUTATION_MAX = 1000;

export type ReputationEvent = "agreed" | "disagreed" | "accepted" | "lease_expired" | "failed";

const deltas: Record<ReputationEvent, number> = {
  /** A proof that matched the quorum of a replicated job. */
  agreed: 10,
  /** A proof that contradicted the quorum: the costly one, so a cheater sinks fast. */
  disagreed: -50,
  /** A proof of an unverified (`none`) job: proves liveness, not honesty. */
  accepted: 1,
  /** A lease left to expire (or the miner went offline holding it). */
  lease_expired: -5,
  /** A job given back with /v1/miner/fail: honest, but still not done. */
  failed: -1,
};

export function reputationDelta(event: ReputationEvent): number {
  return deltas[event];
}

export function nextReputation(current: number, event: ReputationEvent): number {
  return Math.min(REPUTATION_MAX, Math.max(REPUTATION_MIN, current + deltas[event]));
}
