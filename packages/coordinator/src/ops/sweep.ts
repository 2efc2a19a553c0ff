// Contract: sweep (one bounded step; the sweeper calls it until there is nothing left, tests call
// it directly with a chosen `now`)
//   1. Miners silent for the heartbeat timeout go offline; the leases they hold expire.
//   2. Leases past their expiry expire: the replica is requeued, or the job fails after its lease
//      budget and is refunded.
//   3. QUEUED jobs past their start deadline (ttl_s) expire and are refunded.
//   4. Idempotency keys older than the retention are forgotten.
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import type { OpsContext } from "./context.ts";
import { endJob, loseLease } from "./settle.ts";

export interface SweepResult {
  minersOffline: number;
  leasesExpired: number;
  jobsExpired: number;
  idempotencyForgotten: number;
}

/** Ends one lease (reloading its job, which an earlier step of this sweep may have changed). */
async function expire(tx: Tx, jobId: string, assignmentId: string, loss: "expired" | "offline"): Promise<boolean> {
  const job = await tx.job(jobId);
  const assignments = await AssignmentSet.load(tx, jobId);
  const assignment = assignments.get(assignmentId);
  if (!job || assignment?.state !== "LEASED") return false;
  const [code, message] =
    loss === "offline"
      ? ["MINER_OFFLINE", "the miner stopped sending heartbeats"]
      : ["LEASE_EXPIRED", "no proof before the lease expired"];
  await loseLease(tx, job, assignments, assignment, loss, code, message);
  await assignments.save(tx);
  return true;
}

export async function sweep(tx: Tx, ctx: OpsContext, limit: number): Promise<SweepResult> {
  const result: SweepResult = { minersOffline: 0, leasesExpired: 0, jobsExpired: 0, idempotencyForgotten: 0 };
  const silentSince = tx.now - ctx.policy.heartbeatTimeoutS * 1000;
  for (const miner of await tx.staleMiners(silentSince, limit)) {
    await tx.updateMiner({ ...miner, online: false });
    await tx.record("coordinator.miner.offline", {
      miner_id: miner.id,
      last_seen_at: new Date(miner.lastSeenAt).toISOString(),
    });
    result.minersOffline++;
    for (const assignment of await tx.liveAssignmentsOf(miner.id)) {
      if (await expire(tx, assignment.jobId, assignment.id, "offline")) result.leasesExpired++;
    }
  }
  for (const assignment of await tx.expiredLeases(tx.now, limit)) {
    if (await expire(tx, assignment.jobId, assignment.id, "expired")) result.leasesExpired++;
  }
  for (const job of await tx.overdueJobs(tx.now, limit)) {
    const assignments = await AssignmentSet.load(tx, job.id);
    await endJob(tx, job, assignments, "EXPIRED", "TTL_EXPIRED", `not started within ttl_s=${job.ttlS}`);
    await assignments.save(tx);
    result.jobsExpired++;
  }
  result.idempotencyForgotten = await tx.deleteIdempotencyBefore(tx.now - ctx.policy.idempotencyRetentionS * 1000);
  return result;
}
