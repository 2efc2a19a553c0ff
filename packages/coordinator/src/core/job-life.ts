// Lease arithmetic and the state a live job is in, derived from its assignments. Pure.
import type { Assignment, Job, JobState } from "./model.ts";

export interface LeaseTimes {
  expiresAt: number;
  capAt: number;
}

/** A new lease runs for the lease TTL, never past the job's max runtime. */
export function newLease(now: number, job: Pick<Job, "maxRuntimeS">, leaseTtlS: number): LeaseTimes {
  const capAt = now + job.maxRuntimeS * 1000;
  return { expiresAt: Math.min(now + leaseTtlS * 1000, capAt), capAt };
}

/** A heartbeat pushes a live lease out by the TTL, still capped by max runtime. */
export function renewedExpiry(assignment: Pick<Assignment, "leaseCapAt">, now: number, leaseTtlS: number): number {
  return Math.min(now + leaseTtlS * 1000, assignment.leaseCapAt);
}

/**
 * A job whose lease ended without a proof (lost or given back), with that slot open again: one
 * more open slot, which gets ttl_s to be leased again (never shortening a deadline other open
 * slots already have), and the state its assignments now give.
 */
export function withSlotReopened<T extends Pick<Job, "openSlots" | "startBy" | "ttlS" | "state">>(
  job: T,
  assignments: readonly Pick<Assignment, "state">[],
  now: number,
): T {
  return {
    ...job,
    openSlots: job.openSlots + 1,
    startBy: Math.max(job.startBy ?? 0, now + job.ttlS * 1000),
    state: liveState(assignments),
  };
}

/** The state of a job that is not final: VERIFYING once a proof is in, LEASED while one is held, else QUEUED. */
export function liveState(assignments: readonly Pick<Assignment, "state">[]): JobState {
  if (assignments.some((assignment) => assignment.state === "PROVED")) return "VERIFYING";
  if (assignments.some((assignment) => assignment.state === "LEASED")) return "LEASED";
  return "QUEUED";
}

/**
 * A job may lose `max_attempts` leases per replica (expired, failed, miner gone) before it fails:
 * for one replica that is "after max_attempts attempts it fails".
 */
export function attemptsExhausted(job: Pick<Job, "leasesLost" | "maxAttempts" | "replicas">): boolean {
  return job.leasesLost >= job.maxAttempts * job.replicas;
}
