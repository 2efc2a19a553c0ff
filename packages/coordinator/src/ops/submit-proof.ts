// Contract: submitProof
//   Only the miner holding a live lease on the job may prove it. The proof is stored, then the
//   job's quorum is decided: completed (pay, receipts, refund the rest), no quorum possible (fail,
//   refund) or still waiting for replicas (VERIFYING). The answer is stored with the proof, and the
//   same proof sent again gets the same answer with no second credit.
//   Refuses (before writing): unknown job (404), no lease of this miner on the job, an expired
//   lease, a wrong lease token (409), a different proof after one was accepted (409), a missing or
//   bad signature when the miner registered a public key (422).
//   The output's SHA-256 and size are checked by the route before the transaction (hashing a
//   megabyte does not belong inside a shared commit).
import { timingSafeEqualString } from "@pithead/http";
import { isLeaseHeld } from "../core/hearing.ts";
import type { Assignment, JsonValue } from "../core/model.ts";
import { verifyProofSignature } from "../core/proof-signature.ts";
import { decideQuorum } from "../core/verification.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import type { OpsContext } from "./context.ts";
import { saveJob } from "./job-writes.ts";
import { completeJob, endJob } from "./settle.ts";

export interface ProofInput {
  minerId: string;
  jobId: string;
  outputSha: string;
  metrics: { [key: string]: JsonValue };
  mode: string | null;
  output: Uint8Array | null;
  signature: string | null;
  leaseToken: string | null;
}

export interface ProofAnswer {
  ok: true;
  job_id: string;
  accepted: true;
  state: string;
  /** What this proof earned the miner now (0 while a replicated job waits for its quorum). */
  credited: number;
  receipt_id: string | null;
  [key: string]: JsonValue;
}

function latestOf(assignments: readonly Assignment[], minerId: string): Assignment | undefined {
  return assignments.filter((assignment) => assignment.minerId === minerId).at(-1);
}

export async function submitProof(tx: Tx, ctx: OpsContext, input: ProofInput): Promise<ProofAnswer> {
  const job = await tx.job(input.jobId);
  if (!job) throw errors.error("JOB_NOT_FOUND", { job_id: input.jobId });
  const assignments = await AssignmentSet.load(tx, job.id);
  const proved = assignments.all.find((a) => a.minerId === input.minerId && a.state === "PROVED");
  if (proved) {
    if (proved.proof?.outputSha === input.outputSha && proved.proofAnswer !== null) {
      return proved.proofAnswer as ProofAnswer;
    }
    throw errors.error("PROOF_CONFLICT", { job_id: job.id, accepted_output_sha: proved.proof?.outputSha ?? null });
  }
  const held = latestOf(assignments.all, input.minerId);
  if (held?.state !== "LEASED") {
    throw errors.error("LEASE_NOT_HELD", {
      job_id: job.id,
      job_state: job.state,
      lease_state: held?.state ?? null,
    });
  }
  if (input.leaseToken !== null && !timingSafeEqualString(input.leaseToken, held.leaseToken)) {
    throw errors.error("LEASE_NOT_HELD", { job_id: job.id, reason: "lease_token is not the current lease's" });
  }
  if (!isLeaseHeld(held, tx.now, ctx.hearing?.since, ctx.policy.leaseTtlS)) {
    throw errors.error("LEASE_EXPIRED", {
      job_id: job.id,
      lease_expired_at: new Date(held.leaseExpiresAt).toISOString(),
    });
  }
  const miner = await tx.miner(input.minerId);
  if (miner?.publicKey) {
    if (input.signature === null) throw errors.error("SIGNATURE_REQUIRED", { field: "body.signature" });
    const signed = { job_id: job.id, miner_id: input.minerId, output_sha: input.outputSha };
    if (!verifyProofSignature(signed, input.signature, miner.publicKey)) {
      throw errors.error("BAD_SIGNATURE", { field: "body.signature" });
    }
  }

  const proofSeq = await tx.record("coordinator.proof.accepted", {
    job_id: job.id,
    miner_id: input.minerId,
    attempt: held.attempt,
    output_sha: input.outputSha,
    output_bytes: input.output?.byteLength ?? null,
    signed: input.signature !== null,
  });
  const provedNow = assignments.update({
    ...held,
    state: "PROVED",
    proof: {
      outputSha: input.outputSha,
      metrics: input.metrics,
      mode: input.mode,
      output: input.output,
      signature: input.signature,
    },
    provedAt: tx.now,
    proofSeq,
    endedAt: tx.now,
  });
  const decision = decideQuorum(job, assignments.all);
  let state = job.state;
  let credited = 0;
  let receiptId: string | null = null;
  if (decision.outcome === "completed") {
    const settled = await completeJob(tx, ctx, job, assignments, decision);
    state = settled.job.state;
    const mine = settled.paid.get(provedNow.id);
    credited = mine?.amount ?? 0;
    receiptId = mine?.receiptId ?? null;
  } else if (decision.outcome === "no_quorum") {
    const groups = Object.entries(decision.groups)
      .map(([sha, count]) => `${count}×${sha.slice(0, 12)}`)
      .join(", ");
    const ended = await endJob(
      tx,
      job,
      assignments,
      "FAILED",
      "NO_QUORUM",
      `replicas disagree (${groups}); no quorum possible`,
    );
    state = ended.state;
  } else {
    state = (await saveJob(tx, job, { ...job, state: "VERIFYING" })).state;
  }
  const answer: ProofAnswer = { ok: true, job_id: job.id, accepted: true, state, credited, receipt_id: receiptId };
  assignments.update({ ...(assignments.get(provedNow.id) ?? provedNow), proofAnswer: answer });
  await assignments.save(tx);
  return answer;
}
