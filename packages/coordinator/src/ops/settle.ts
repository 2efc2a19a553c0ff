// How a job ends, and what a lost lease does to it. Shared by the proof, fail, cancel and sweep ops;
// each runs inside its caller's transaction.
import { timeOrderedId } from "../core/ids.ts";
import { isoTime as iso } from "../core/iso-time.ts";
import { liveState, replicaExhausted, withSlotReopened } from "../core/job-life.ts";
import type { Assignment, Job, JobState, JsonValue } from "../core/model.ts";
import { payoutTransfer, refundTransfer } from "../core/money.ts";
import { type Receipt, receiptUnits } from "../core/receipt.ts";
import { REPUTATION_MAX, REPUTATION_MIN, type ReputationEvent, reputationDelta } from "../core/reputation.ts";
import { decideQuorum } from "../core/verification.ts";
import type { Tx } from "../store/types.ts";
import type { AssignmentSet } from "./assignment-set.ts";
import type { OpsContext } from "./context.ts";
import { saveJob } from "./job-writes.ts";
import { moveMoney } from "./transfers.ts";

function adjustReputation(tx: Tx, minerId: string, event: ReputationEvent): Promise<void> {
  return tx.adjustReputation(minerId, reputationDelta(event), REPUTATION_MIN, REPUTATION_MAX);
}

/** Leases still out when a job ends are void: their miners' proofs will be refused. */
function abandonLeases(tx: Tx, assignments: AssignmentSet): void {
  for (const assignment of assignments.all) {
    if (assignment.state === "LEASED") assignments.update({ ...assignment, state: "ABANDONED", endedAt: tx.now });
  }
}

async function refundRest(tx: Tx, job: Job, escrow: number): Promise<JsonValue> {
  return escrow > 0 ? moveMoney(tx, refundTransfer(job.id, job.clientWallet, escrow)) : null;
}

/**
 * Completes a job whose quorum agreed on `outputSha`: each agreeing miner is paid its reward less
 * the fee and gets a signed receipt; disagreeing miners get nothing and lose reputation; leases
 * still out are voided; what is left in escrow goes back to the client. One ledger record,
 * coordinator.job.completed, carries the transfers and the receipts and cites the proofs it pays.
 * Returns the saved job and what each agreeing assignment was paid.
 */
export async function completeJob(
  tx: Tx,
  ctx: OpsContext,
  job: Job,
  assignments: AssignmentSet,
  decision: { outputSha: string; agreeing: Assignment[]; disagreeing: Assignment[] },
): Promise<{ job: Job; paid: Map<string, { amount: number; receiptId: string }> }> {
  let escrow = job.escrow;
  const transfers: JsonValue[] = [];
  const receipts: JsonValue[] = [];
  const paid = new Map<string, { amount: number; receiptId: string }>();
  for (const assignment of decision.agreeing) {
    const transfer = payoutTransfer(job.id, assignment.wallet, job.reward, ctx.policy.feeBps);
    transfers.push(await moveMoney(tx, transfer));
    escrow -= job.reward;
    const net = transfer.postings.find((posting) => posting.account === assignment.wallet)?.amount ?? 0;
    const receipt: Receipt = {
      receipt_id: timeOrderedId(),
      job_id: job.id,
      miner_id: assignment.minerId,
      wallet: assignment.wallet,
      client: job.clientWallet,
      workload: job.workload,
      ...receiptUnits(job.workload, assignment.proof?.metrics ?? {}),
      reward: net,
      output_sha: decision.outputSha,
      started_at: iso(assignment.leasedAt),
      completed_at: iso(tx.now),
      ledger_seq: assignment.proofSeq ?? 0,
    };
    const signed = ctx.signer.sign(receipt);
    await tx.insertReceipt(job.id, signed);
    receipts.push({ receipt: { ...receipt }, signature: signed.signature, key_id: signed.key_id });
    assignments.update({ ...(assignments.get(assignment.id) ?? assignment), verdict: "agree", paid: net });
    await adjustReputation(tx, assignment.minerId, job.verification === "replicate" ? "agreed" : "accepted");
    paid.set(assignment.id, { amount: net, receiptId: receipt.receipt_id });
  }
  for (const assignment of decision.disagreeing) {
    assignments.update({ ...(assignments.get(assignment.id) ?? assignment), verdict: "disagree" });
    await adjustReputation(tx, assignment.minerId, "disagreed");
  }
  abandonLeases(tx, assignments);
  const refund = await refundRest(tx, job, escrow);
  if (refund !== null) transfers.push(refund);
  const saved = await saveJob(tx, job, {
    ...job,
    state: "COMPLETED",
    openSlots: 0,
    openAttempts: [],
    escrow: 0,
    finishedAt: tx.now,
    outputSha: decision.outputSha,
    // A lost lease's error said why the job was still waiting; it completed after all.
    errorCode: null,
    errorMessage: null,
  });
  await tx.record("coordinator.job.completed", {
    job_id: job.id,
    output_sha: decision.outputSha,
    cites: decision.agreeing.flatMap((assignment) => (assignment.proofSeq === null ? [] : [assignment.proofSeq])),
    agreeing: decision.agreeing.map((assignment) => assignment.minerId),
    disagreeing: decision.disagreeing.map((assignment) => assignment.minerId),
    transfers,
    receipts,
  });
  return { job: saved, paid };
}

/** Ends a job without a result (failed, canceled, expired): voids its leases and refunds its escrow. */
export async function endJob(
  tx: Tx,
  job: Job,
  assignments: AssignmentSet,
  state: Extract<JobState, "FAILED" | "CANCELED" | "EXPIRED">,
  errorCode: string,
  errorMessage: string,
): Promise<Job> {
  abandonLeases(tx, assignments);
  const refund = await refundRest(tx, job, job.escrow);
  const saved = await saveJob(tx, job, {
    ...job,
    state,
    openSlots: 0,
    openAttempts: [],
    escrow: 0,
    finishedAt: tx.now,
    errorCode,
    errorMessage,
  });
  await tx.record(`coordinator.job.${state.toLowerCase()}`, {
    job_id: job.id,
    reason: errorCode,
    message: errorMessage,
    transfers: refund === null ? [] : [refund],
  });
  return saved;
}

/**
 * How a lease ended without a proof. "given_back": the miner gave the job back with /fail because
 * it is stopping: a failure's record and reputation, but the lease ends EXPIRED, so the job may go
 * to that miner again (a FAILED lease keeps the job away from the miner that failed it).
 */
export type LeaseLoss = "expired" | "failed" | "given_back" | "offline";

/**
 * A lease ended without a proof: the replica goes back to the queue (attempt + 1) with a new start
 * deadline. A replica that lost its lease at attempt max_attempts is not requeued: the job goes on
 * with its other replicas while its quorum can still be reached, else it fails and its escrow is
 * refunded (for a single replica: after max_attempts lost leases). A job that goes on carries the
 * lost lease's code and message as its error, so a client reading the job (`pithead jobs get`)
 * sees why it took another attempt; completion clears it.
 */
export async function loseLease(
  tx: Tx,
  job: Job,
  assignments: AssignmentSet,
  assignment: Assignment,
  loss: LeaseLoss,
  code: string,
  message: string,
): Promise<Job> {
  assignments.update({
    ...assignment,
    state: loss === "failed" ? "FAILED" : "EXPIRED",
    failCode: code,
    failMessage: message,
    endedAt: tx.now,
  });
  const failed = loss === "failed" || loss === "given_back";
  await adjustReputation(tx, assignment.minerId, failed ? "failed" : "lease_expired");
  await tx.record(`coordinator.lease.${failed ? "failed" : "expired"}`, {
    job_id: job.id,
    miner_id: assignment.minerId,
    attempt: assignment.attempt,
    reason: code,
  });
  const lost: Job = {
    ...job,
    leasesLost: job.leasesLost + 1,
    errorCode: code,
    // Past tense: the message stays on the job until it completes, also once another lease holds it.
    errorMessage: `${message} (the lease of miner ${assignment.minerId} at attempt ${assignment.attempt} ended without a proof, and the job went back to the queue)`,
  };
  if (!replicaExhausted(assignment, job)) {
    // The reopened slot has a deadline: a job no miner can take (its only capable miner failed it)
    // expires and is refunded instead of waiting forever.
    return saveJob(tx, job, withSlotReopened(lost, assignment.attempt + 1, assignments.all, tx.now));
  }
  if (decideQuorum(lost, assignments.all).outcome === "no_quorum") {
    const what =
      job.replicas === 1
        ? `gave up after ${assignment.attempt} lost leases`
        : `a replica lost ${assignment.attempt} leases and a quorum of ${job.quorum} can no longer be reached`;
    return endJob(tx, lost, assignments, "FAILED", "ATTEMPTS_EXHAUSTED", `${what} (last: ${code})`);
  }
  return saveJob(tx, job, { ...lost, state: liveState(assignments.all) });
}

/**
 * A miner failed a lease because the job itself cannot run (BAD_PARAMS): the lease fails (recorded;
 * no reputation lost, the miner was right) and the whole job fails at once with the miner's code and
 * message, refunded, instead of waiting for a miner that is allowed to take it (none that failed it is).
 */
export async function failBadJob(
  tx: Tx,
  job: Job,
  assignments: AssignmentSet,
  assignment: Assignment,
  code: string,
  message: string,
): Promise<Job> {
  assignments.update({ ...assignment, state: "FAILED", failCode: code, failMessage: message, endedAt: tx.now });
  await tx.record("coordinator.lease.failed", {
    job_id: job.id,
    miner_id: assignment.minerId,
    attempt: assignment.attempt,
    reason: code,
  });
  const why = `${message} (miner ${assignment.minerId}: ${code} means the job itself cannot run, so it is not retried)`;
  return endJob(tx, { ...job, leasesLost: job.leasesLost + 1 }, assignments, "FAILED", code, why);
}
