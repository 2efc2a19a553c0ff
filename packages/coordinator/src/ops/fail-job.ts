// Contract: failLease (POST /v1/miner/fail)
//   The miner holding a live lease gives the job back: the replica is requeued (attempt + 1) or,
//   with its lease budget spent, the job fails and is refunded. Repeating the call after it was
//   accepted answers the same. Refuses (before writing): unknown job (404), a job this miner does
//   not hold (409). When this fail ends the job, the job's error carries the miner's message too,
//   so the client reads why (e.g. OUTPUT_TOO_LARGE with the output's size and the limit).
//   A job given back because the miner is stopping (MINER_SHUTDOWN) did not fail on that miner:
//   it costs what any /fail costs (one attempt, recorded), but the same miner may take the job
//   again once it is back; any other code keeps the job away from that miner.
//   A code that says the job itself is bad (JOB_FAULT_CODES: BAD_PARAMS, e.g. a prompt longer than
//   the model's context) fails the whole job at once with that code and the miner's message, and
//   refunds the client: no other miner may take it after this one failed it, so requeued it would
//   only wait out its TTL with the escrow held.
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import { saveJob } from "./job-writes.ts";
import { failBadJob, loseLease } from "./settle.ts";

export interface FailInput {
  minerId: string;
  jobId: string;
  errorCode: string;
  message: string;
}

export interface FailAnswer {
  ok: true;
  job_id: string;
  state: string;
  requeued: boolean;
}

/** Codes that say the miner gave the job back, not that the job failed on it. */
const GIVE_BACK_CODES = new Set(["MINER_SHUTDOWN"]);

/**
 * Codes Pithead's miner sends when the job, not the miner, is at fault. The others it sends depend
 * on the miner (INSUFFICIENT_MEMORY, MODEL_NOT_AVAILABLE, BACKEND_*, WORKLOAD_*,
 * MAX_RUNTIME_EXCEEDED, OUTPUT_TOO_LARGE, PROOF_REFUSED, RESULT_NOT_RECORDED): another may succeed.
 */
export const JOB_FAULT_CODES: ReadonlySet<string> = new Set(["BAD_PARAMS"]);

export async function failLease(tx: Tx, input: FailInput): Promise<FailAnswer> {
  const job = await tx.job(input.jobId);
  if (!job) throw errors.error("JOB_NOT_FOUND", { job_id: input.jobId });
  const assignments = await AssignmentSet.load(tx, job.id);
  const mine = assignments.all.filter((assignment) => assignment.minerId === input.minerId);
  const held = mine.find((assignment) => assignment.state === "LEASED");
  if (!held) {
    const last = mine.at(-1);
    if (last?.state === "FAILED" || (last?.state === "EXPIRED" && last.failCode === input.errorCode)) {
      return { ok: true, job_id: job.id, state: job.state, requeued: job.state !== "FAILED" };
    }
    throw errors.error("LEASE_NOT_HELD", { job_id: job.id, job_state: job.state, lease_state: last?.state ?? null });
  }
  if (JOB_FAULT_CODES.has(input.errorCode)) {
    const ended = await failBadJob(tx, job, assignments, held, input.errorCode, input.message);
    await assignments.save(tx);
    return { ok: true, job_id: job.id, state: ended.state, requeued: false };
  }
  const loss = GIVE_BACK_CODES.has(input.errorCode) ? "given_back" : "failed";
  let saved = await loseLease(tx, job, assignments, held, loss, input.errorCode, input.message);
  await assignments.save(tx);
  if (saved.state === "FAILED" && input.message !== "") {
    // loseLease names the last code only ("gave up after 3 lost leases (last: OUTPUT_TOO_LARGE)").
    saved = await saveJob(tx, saved, { ...saved, errorMessage: `${saved.errorMessage ?? ""}: ${input.message}` });
  }
  return { ok: true, job_id: job.id, state: saved.state, requeued: saved.state !== "FAILED" };
}
