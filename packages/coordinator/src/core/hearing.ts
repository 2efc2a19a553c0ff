// Time the coordinator could not hear miners does not count against them. Before this process
// started, and while its database was unreachable (every heartbeat answered 503), a miner's
// silence and a lease's lapse prove nothing: from `heardSince` (the latest moment this process
// knew it could not hear) a miner gets one heartbeat timeout and a lease one TTL to be heard again.
// Another process that kept hearing judges as usual, so a dead process's miners still fail over.
// Pure.
import type { Assignment } from "./model.ts";

/** The latest moment (store clock, ms) this process could not hear miners; undefined: it always could. */
export type HeardSince = number | undefined;

/** Whether silence may be judged now: the coordinator has heard for a whole heartbeat timeout. */
export function judgesSilence(now: number, heardSince: HeardSince, heartbeatTimeoutS: number): boolean {
  return heardSince === undefined || now - heardSince >= heartbeatTimeoutS * 1000;
}

/**
 * When a lease really lapses. A lease not renewed since `heardSince` (its expiry is short of
 * heardSince + TTL) counts as renewed then, still capped by max runtime; a cap passed while the
 * coordinator could not hear gets one TTL for the proof the miner may have finished in time.
 */
export function lapsesAt(
  lease: Pick<Assignment, "leaseExpiresAt" | "leaseCapAt">,
  heardSince: HeardSince,
  leaseTtlS: number,
): number {
  if (heardSince === undefined) return lease.leaseExpiresAt;
  const renewedThen = heardSince + leaseTtlS * 1000;
  const grace = lease.leaseCapAt < heardSince ? renewedThen : Math.min(renewedThen, lease.leaseCapAt);
  return Math.max(lease.leaseExpiresAt, grace);
}

/** A lease is held while it is LEASED and has not lapsed. */
export function isLeaseHeld(
  lease: Pick<Assignment, "state" | "leaseExpiresAt" | "leaseCapAt">,
  now: number,
  heardSince: HeardSince,
  leaseTtlS: number,
): boolean {
  return lease.state === "LEASED" && lapsesAt(lease, heardSince, leaseTtlS) > now;
}

/** A lapsed lease ran into its max runtime (the miner stops such a job itself) rather than unrenewed. */
export function hitRuntimeCap(lease: Pick<Assignment, "leaseExpiresAt" | "leaseCapAt">): boolean {
  return lease.leaseExpiresAt >= lease.leaseCapAt;
}
