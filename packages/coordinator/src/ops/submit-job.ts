// Contract: submitJob
//   Escrows reward × replicas from the client's wallet and queues the job with every replica open.
//   Refuses (before writing anything): an impossible quorum, an amount past the safe range, a wallet
//   that cannot cover the escrow. Writes: the job, the escrow transfer, ledger records for both,
//   and a QUEUED event (which wakes long-polling miners).
import { createHash } from "node:crypto";
import { canonicalJson } from "../core/canonical.ts";
import { timeOrderedId } from "../core/ids.ts";
import type { Job, JobConstraints, JsonValue, VerificationMode } from "../core/model.ts";
import { escrowFor, escrowTransfer, insufficientFundsMessage, MoneyError } from "../core/money.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import { jobEvent } from "./job-writes.ts";
import { moveMoney } from "./transfers.ts";

export interface SubmitJobInput {
  clientKeyId: string;
  clientWallet: string;
  workload: string;
  params: JsonValue;
  constraints: JobConstraints;
  reward: number;
  verification: { mode: VerificationMode; replicas: number; quorum: number };
  ttlS: number;
  maxRuntimeS: number;
  maxAttempts: number;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export async function submitJob(tx: Tx, input: SubmitJobInput): Promise<Job> {
  const { mode, replicas, quorum } = input.verification;
  if (quorum < 1 || quorum > replicas) {
    throw errors.error("INVALID_VERIFICATION", { field: "body.verification.quorum", replicas, quorum });
  }
  let escrow: number;
  try {
    escrow = escrowFor(input.reward, replicas);
  } catch (error) {
    if (error instanceof MoneyError) throw errors.error("AMOUNT_TOO_LARGE", { field: "body.reward" }, error.message);
    throw error;
  }
  const balance = await tx.balance(input.clientWallet);
  if (balance < escrow) {
    throw errors.error(
      "INSUFFICIENT_FUNDS",
      { wallet: input.clientWallet, balance, required: escrow, shortfall: escrow - balance },
      insufficientFundsMessage({
        wallet: input.clientWallet,
        available: balance,
        needed: escrow,
        reward: input.reward,
        replicas,
      }),
    );
  }
  const job = await tx.insertJob({
    id: timeOrderedId(),
    clientKeyId: input.clientKeyId,
    clientWallet: input.clientWallet,
    workload: input.workload,
    params: input.params,
    constraints: input.constraints,
    reward: input.reward,
    verification: mode,
    replicas,
    quorum: mode === "none" ? 1 : quorum,
    ttlS: input.ttlS,
    maxRuntimeS: input.maxRuntimeS,
    maxAttempts: input.maxAttempts,
    state: "QUEUED",
    openSlots: replicas,
    openAttempts: Array.from({ length: replicas }, () => 1),
    attempt: 0,
    leasesIssued: 0,
    leasesLost: 0,
    escrow,
    createdAt: tx.now,
    updatedAt: tx.now,
    startBy: tx.now + input.ttlS * 1000,
    finishedAt: null,
    outputSha: null,
    errorCode: null,
    errorMessage: null,
    version: 1,
  });
  const transfer = await moveMoney(tx, escrowTransfer(job.id, job.clientWallet, escrow));
  await tx.record("coordinator.job.submitted", {
    job_id: job.id,
    client_key_id: job.clientKeyId,
    client: job.clientWallet,
    workload: job.workload,
    params_sha: sha256Hex(canonicalJson(job.params)),
    reward: job.reward,
    verification: { mode, replicas, quorum: job.quorum },
    escrow,
    ttl_s: job.ttlS,
    max_runtime_s: job.maxRuntimeS,
    transfer,
  });
  tx.emit(jobEvent(job, null));
  return job;
}
