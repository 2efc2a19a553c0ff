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
 * A job whose lease ended without a proof (lost or given back), with that slot open again at
 * `attempt`: one more open slot, which gets ttl_s to be leased again (never shortening a deadline
 * other open slots already have), and the state its assignments now give.
 */
export function withSlotReopened<T extends Pick<Job, "openSlots" | "openAttempts" | "startBy" | "ttlS" | "state">>(
  job: T,
  attempt: number,
  assignments: readonly Pick<Assignment, "state">[],
  now: number,
): T {
  return {
    ...job,
    openSlots: job.openSlots + 1,
    openAttempts: [...job.openAttempts, attempt],
    startBy: Math.max(job.startBy ?? 0, now + job.ttlS * 1000),
    state: liveState(assignments),
  };
}

/**
 * The attempt the next lease of a job is: that of one of its open slots, a replica already tried
 * first, so a miner that takes a job back after losing its lease sees the attempt go up. Returns
 * the job with that slot taken.
 */
export function takeSlot<T extends Pick<Job, "openSlots" | "openAttempts" | "attempt">>(
  job: T,
): { attempt: number; job: T } {
  const open = [...job.openAttempts].sort((a, b) => a - b);
  const attempt = open.pop() ?? 1;
  return {
    attempt,
    job: { ...job, openSlots: job.openSlots - 1, openAttempts: open, attempt: Math.max(job.attempt, attempt) },
  };
}

/** The attempts of a job's open slots as a row stored before they were kept: every slot alike. */
export function legacyOpenAttempts(job: Pick<Job, "openSlots" | "leasesLost" | "replicas" | "maxAttempts">): number[] {
  const attempt = Math.min(job.maxAttempts, Math.floor(job.leasesLost / job.replicas) + 1);
  return Array.from({ length: job.openSlots }, () => attempt);
}

/** The state of a job that is not final: VERIFYING once a proof is in, LEASED while one is held, else QUEUED. */
export function liveState(assignments: readonly Pick<Assignment, "state">[]): JobState {
  if (assignments.some((assignment) => assignment.state === "PROVED")) return "VERIFYING";
  if (assignments.some((assignment) => assignment.state === "LEASED")) return "LEASED";
  return "QUEUED";
}

/**
 * A replica may lose `max_attempts` leases (expired, failed, miner gone): the lease it lost at
 * attempt `max_attempts` does not reopen its slot. For one replica that is "after max_attempts
 * attempts it fails"; a replicated job goes on with its other replicas while its quorum can still
 * be reached.
 */
export function replicaExhausted(lost: Pick<Assignment, "attempt">, job: Pick<Job, "maxAttempts">): boolean {
  return lost.attempt >= job.maxAttempts;
}
