// What an answer to a proof or a fail means for the outbox: done (stop sending), or try again
// later. Pure, so every status the coordinator can give is covered by a table test.
//
//  - 2xx: acknowledged.
//  - 409 PROOF_CONFLICT naming our own output_sha: the coordinator already holds this result.
//  - other 4xx except 401/403/408/425/429: the coordinator has decided (job gone, lease
//    expired or re-leased, proof refused) and the same request can never succeed: rejected.
//    For a fail, any such answer means the job is no longer ours either way: acknowledged.
//  - 401/403: the key is wrong or revoked; kept, because the operator can fix the key and a
//    restart then delivers the result.
//  - 408, 425, 429, 5xx and no answer at all (connection refused, reset, timeout): retry.

export type OutboxKind = "proof" | "fail";
export type AnswerVerdict = "acked" | "rejected" | "retry";

export interface CoordinatorAnswer {
  /** undefined: no HTTP answer (network error). */
  status: number | undefined;
  errorCode?: string;
  details?: Record<string, unknown>;
}

export function judgeAnswer(kind: OutboxKind, answer: CoordinatorAnswer, outputSha?: string): AnswerVerdict {
  const { status } = answer;
  if (status === undefined) return "retry";
  if (status >= 200 && status < 300) return "acked";
  if (status === 401 || status === 403 || status === 408 || status === 425 || status === 429 || status >= 500) {
    return "retry";
  }
  if (kind === "fail") return "acked";
  if (
    answer.errorCode === "PROOF_CONFLICT" &&
    outputSha !== undefined &&
    answer.details?.accepted_output_sha === outputSha
  ) {
    return "acked";
  }
  return "rejected";
}

/**
 * Codes of a refused proof that mean the lease is already gone (expired, re-leased, job ended, the
 * proof already taken): nothing to give back. Any other refusal leaves the lease held, so the miner
 * gives the job back rather than leave a lease its own heartbeats would keep alive.
 */
const LEASE_GONE = new Set(["LEASE_NOT_HELD", "LEASE_EXPIRED", "JOB_FINAL", "JOB_NOT_FOUND", "PROOF_CONFLICT"]);

export function leaseGone(errorCode: string | undefined): boolean {
  return errorCode !== undefined && LEASE_GONE.has(errorCode);
}
