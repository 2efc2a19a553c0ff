// Contract: cancelJob
//   A client cancels its own job (an admin any job): leases still out are voided, the escrow still
//   held is refunded, the job is CANCELED. Refuses (before writing): a job that does not exist or
//   is not the caller's (404, so ids of other clients' jobs are not confirmed), a finished job (409).
import { isFinal, type Job } from "../core/model.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import { endJob } from "./settle.ts";

export async function cancelJob(tx: Tx, jobId: string, clientKeyId: string | null): Promise<Job> {
  const job = await tx.job(jobId);
  if (!job || (clientKeyId !== null && job.clientKeyId !== clientKeyId)) {
    throw errors.error("JOB_NOT_FOUND", { job_id: jobId });
  }
  if (isFinal(job.state)) throw errors.error("JOB_FINAL", { job_id: jobId, state: job.state });
  const assignments = await AssignmentSet.load(tx, job.id);
  const canceled = await endJob(tx, job, assignments, "CANCELED", "CANCELED", "canceled by the client");
  await assignments.save(tx);
  return canceled;
}
