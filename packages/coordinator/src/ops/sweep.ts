// Contract: sweep (one bounded step; the sweeper calls it until there is nothing left, tests call
// it directly with a chosen `now`)
//   1. Miners silent for the heartbeat timeout go offline; the leases they hold expire.
//   2. Leases past their expiry expire: the replica is requeued, or the job fails after its lease
//      budget and is refunded (`MAX_RUNTIME_EXCEEDED` when the lease ran into max_runtime_s).
//   Neither counts time this process could not hear miners (core/hearing.ts): a miner is judged
//   only after a whole heartbeat timeout of hearing, a lease by when it lapses given that time.
//   3. Open slots past their start deadline (ttl_s after submission or after a lost lease) close:
//      a job with nothing leased or proved expires and is refunded; a replicated job goes on with
//      the replicas it has, or fails and is refunded once its quorum can no longer be reached.
//   4. Idempotency keys older than the retention are forgotten.
//   5. Outputs of jobs that ended more than resultRetentionS ago are removed, a few at a time (a
//      large backlog drains over several sweeps instead of holding the store): the jobs keep their
//      output_sha, metrics, receipts and ledger records, and the ledger says which outputs went.
import { hitRuntimeCap, judgesSilence, lapsesAt } from "../core/hearing.ts";
import type { Job } from "../core/model.ts";
import { decideQuorum } from "../core/verification.ts";
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import type { OpsContext } from "./context.ts";
import { saveJob } from "./job-writes.ts";
import { endJob, loseLease } from "./settle.ts";

export interface SweepResult {
  minersOffline: number;
  leasesExpired: number;
  jobsExpired: number;
  /** Replicated jobs whose open slots closed at their deadline while the job goes on. */
  slotsClosed: number;
  idempotencyForgotten: number;
  /** Jobs whose outputs were removed (retention). */
  outputsRemoved: number;
}

/** Jobs whose outputs one sweep step removes at most. */
const OUTPUT_REMOVALS_PER_STEP = 50;

/** Ends one lease (reloading its job, which an earlier step of this sweep may have changed). */
async function expire(tx: Tx, jobId: string, assignmentId: string, loss: "expired" | "offline"): Promise<boolean> {
  const job = await tx.job(jobId);
  const assignments = await AssignmentSet.load(tx, jobId);
  const assignment = assignments.get(assignmentId);
  if (!job || assignment?.state !== "LEASED") return false;
  const [code, message] =
    loss === "offline"
      ? ["MINER_OFFLINE", "the miner stopped sending heartbeats"]
      : hitRuntimeCap(assignment)
        ? ["MAX_RUNTIME_EXCEEDED", `no proof within max_runtime_s=${job.maxRuntimeS}`]
        : ["LEASE_EXPIRED", "no proof before the lease expired"];
  await loseLease(tx, job, assignments, assignment, loss, code, message);
  await assignments.save(tx);
  return true;
}

/** Closes a job's open slots at their start deadline: the job ended, or goes on without them. */
async function closeOverdueSlots(tx: Tx, job: Job): Promise<"ended" | "closed"> {
  const assignments = await AssignmentSet.load(tx, job.id);
  const working = assignments.all.some((assignment) => assignment.state === "LEASED" || assignment.state === "PROVED");
  if (!working) {
    const message =
      job.leasesIssued === 0
        ? `not started within ttl_s=${job.ttlS}`
        : `not started again within ttl_s=${job.ttlS} after its last lease was lost`;
    await endJob(tx, job, assignments, "EXPIRED", "TTL_EXPIRED", message);
    await assignments.save(tx);
    return "ended";
  }
  const closed: Job = { ...job, openSlots: 0, openAttempts: [], startBy: null };
  if (decideQuorum(closed, assignments.all).outcome === "no_quorum") {
    const message = `${job.openSlots} of ${job.replicas} replicas not started within ttl_s=${job.ttlS}; a quorum of ${job.quorum} can no longer be reached`;
    await endJob(tx, closed, assignments, "FAILED", "NO_QUORUM", message);
    await assignments.save(tx);
    return "ended";
  }
  await saveJob(tx, job, closed);
  await tx.record("coordinator.job.slots_closed", {
    job_id: job.id,
    closed: job.openSlots,
    replicas: job.replicas,
    reason: "TTL_EXPIRED",
  });
  return "closed";
}

export async function sweep(tx: Tx, ctx: OpsContext, limit: number): Promise<SweepResult> {
  const result: SweepResult = {
    minersOffline: 0,
    leasesExpired: 0,
    jobsExpired: 0,
    slotsClosed: 0,
    idempotencyForgotten: 0,
    outputsRemoved: 0,
  };
  const heardSince = ctx.hearing?.since;
  const silentSince = tx.now - ctx.policy.heartbeatTimeoutS * 1000;
  const judged = judgesSilence(tx.now, heardSince, ctx.policy.heartbeatTimeoutS);
  for (const miner of judged ? await tx.staleMiners(silentSince, limit) : []) {
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
    // Within one TTL of heardSince, a lease that lapsed unheard is not expired (yet).
    if (lapsesAt(assignment, heardSince, ctx.policy.leaseTtlS) > tx.now) continue;
    if (await expire(tx, assignment.jobId, assignment.id, "expired")) result.leasesExpired++;
  }
  for (const job of await tx.overdueJobs(tx.now, limit)) {
    if ((await closeOverdueSlots(tx, job)) === "ended") result.jobsExpired++;
    else result.slotsClosed++;
  }
  result.idempotencyForgotten = await tx.deleteIdempotencyBefore(tx.now - ctx.policy.idempotencyRetentionS * 1000);
  result.outputsRemoved = await removeOldOutputs(tx, ctx.policy.resultRetentionS ?? 0);
  return result;
}

async function removeOldOutputs(tx: Tx, retentionS: number): Promise<number> {
  if (retentionS <= 0) return 0;
  const endedBefore = tx.now - retentionS * 1000;
  const candidates = await tx.jobsKeepingOutputsEndedBefore(endedBefore, OUTPUT_REMOVALS_PER_STEP);
  const { jobIds, outputs } = await tx.removeOutputs(candidates);
  if (jobIds.length === 0) return 0;
  await tx.record("coordinator.outputs.removed", {
    job_ids: jobIds,
    outputs,
    ended_before: new Date(endedBefore).toISOString(),
    retention_days: retentionS / 86_400,
  });
  return jobIds.length;
}
