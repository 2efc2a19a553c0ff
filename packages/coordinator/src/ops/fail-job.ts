// Contract: failLease (POST /v1/miner/fail)
//   The miner holding a live lease gives the job back: the replica is requeued (attempt + 1) or,
//   with its lease budget spent, the job fails and is refunded. Repeating the call after it was
//   accepted answers the same. Refuses (before writing): unknown job (404), a job this miner does
//   not hold (409). When this fail ends the job, the job's error carries the miner's message too,
//   so the client reads why (e.g. OUTPUT_TOO_LARGE with the output's size and the limit).
//   A job given back because the miner is stopping (MINER_SHUTDOWN) did not fail on that miner:
//   it costs what any /fail costs (one attempt, recorded), but the same miner may take the job
//   again once it is back; any other code keeps the job away from that miner.
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import { saveJob } from "./job-writes.ts";
import { loseLease } from "./settle.ts";

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
  const loss = GIVE_BACK_CODES.has(input.errorCode) ? "given_back" : "failed";
  let saved = await loseLease(tx, job, assignments, held, loss, input.errorCode, input.message);
  await assignments.save(tx);
  if (saved.state === "FAILED" && input.message !== "") {
    // loseLease names the last code only ("gave up after 3 lost leases (last: OUTPUT_TOO_LARGE)").
    saved = await saveJob(tx, saved, { ...saved, errorMessage: `${saved.errorMessage ?? ""}: ${input.message}` });
  }
  return { ok: true, job_id: job.id, state: saved.state, requeued: saved.state !== "FAILED" };
}
