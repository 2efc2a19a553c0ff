// Domain → wire. Timestamps become ISO-8601, camelCase becomes the API's snake_case.
import { isoTime } from "../core/iso-time.ts";
import type { ApiKeyRecord, Assignment, Job, JsonValue, Miner } from "../core/model.ts";
import type { Claimed } from "../ops/claim-jobs.ts";
import type { KeyView, LeasedJob, MinerView } from "../schemas/index.ts";
import type { JobView } from "../schemas/jobs.ts";

export const iso = isoTime;
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function jobView(job: Job, assignments?: readonly Assignment[]): JobView {
  return {
    id: job.id,
    state: job.state,
    workload: job.workload,
    params: job.params,
    constraints: job.constraints,
    reward: job.reward,
    verification: { mode: job.verification, replicas: job.replicas, quorum: job.quorum },
    ttl_s: job.ttlS,
    max_runtime_s: job.maxRuntimeS,
    max_attempts: job.maxAttempts,
    attempt: job.attempt,
    client: job.clientWallet,
    escrow: job.escrow,
    created_at: iso(job.createdAt),
    updated_at: iso(job.updatedAt),
    start_by: isoOrNull(job.startBy),
    finished_at: isoOrNull(job.finishedAt),
    output_sha: job.outputSha,
    // Only a job with a result had an output to remove (the sweep marks the others too, as swept).
    ...(job.outputRemovedAt && job.outputSha !== null ? { output_removed_at: iso(job.outputRemovedAt) } : {}),
    error: job.errorCode === null ? null : { code: job.errorCode, message: job.errorMessage ?? "" },
    ...(assignments
      ? {
          leases: assignments.map((assignment) => ({
            miner_id: assignment.minerId,
            state: assignment.state,
            attempt: assignment.attempt,
            leased_at: iso(assignment.leasedAt),
            lease_expires_at: iso(assignment.leaseExpiresAt),
            output_sha: assignment.proof?.outputSha ?? null,
            verdict: assignment.verdict,
            // A job that waits in the queue after a miner failed it says why here.
            error:
              assignment.failCode === null
                ? null
                : { code: assignment.failCode, message: assignment.failMessage ?? "" },
          })),
        }
      : {}),
  };
}

/** What `GET /v1/miner/next` and `POST /v1/miner/claim` hand a miner. */
export function leasedJobView({ job, assignment }: Claimed): LeasedJob {
  return {
    id: job.id,
    workload: job.workload,
    params: job.params,
    lease_expires_at: iso(assignment.leaseExpiresAt),
    lease_token: assignment.leaseToken,
    attempt: assignment.attempt,
    max_runtime_s: job.maxRuntimeS,
    reward: job.reward,
  };
}

/** A claim's answer (POST /v1/miner/claim), as sent and as stored for an Idempotency-Key's replays. */
export function claimView(claimed: readonly Claimed[]): JsonValue {
  return asJson({ jobs: claimed.map(leasedJobView) });
}

export function keyView(key: ApiKeyRecord): KeyView {
  return {
    id: key.id,
    role: key.role,
    label: key.label,
    wallet: key.wallet,
    miner_id: key.minerId,
    created_at: iso(key.createdAt),
    revoked_at: isoOrNull(key.revokedAt),
  };
}

/**
 * One word for what the coordinator does with a miner. "stopping" (the miner's own shutdown grace,
 * gone with its next heartbeat without the flag) wins over "draining" (an admin's, kept across
 * restarts): it says the miner is about to go away.
 */
export function minerStatus(miner: Miner): "online" | "offline" | "draining" | "stopping" {
  if (!miner.online) return "offline";
  if (miner.stopping) return "stopping";
  return miner.draining ? "draining" : "online";
}

/** The status a heartbeat answers: the miner was just heard, so never offline. */
export function heartbeatStatus(miner: Miner): "online" | "draining" | "stopping" {
  const status = minerStatus({ ...miner, online: true });
  return status === "offline" ? "online" : status;
}

export function minerView(miner: Miner, inFlight: number): MinerView {
  return {
    miner_id: miner.id,
    status: minerStatus(miner),
    wallet: miner.wallet,
    mode: miner.mode,
    gpu: miner.gpu,
    capabilities: miner.capabilities,
    signs_proofs: miner.publicKey !== null,
    in_flight: inFlight,
    reputation: miner.reputation,
    registered_at: iso(miner.registeredAt),
    last_seen_at: iso(miner.lastSeenAt),
  };
}

/** Output bytes for the wire: UTF-8 text when they are valid UTF-8, else base64. */
export function outputView(output: Uint8Array | null): { output: string | null; output_encoding: "utf8" | "base64" } {
  if (output === null) return { output: null, output_encoding: "utf8" };
  try {
    return { output: new TextDecoder("utf-8", { fatal: true }).decode(output), output_encoding: "utf8" };
  } catch {
    return { output: Buffer.from(output).toString("base64"), output_encoding: "base64" };
  }
}

export function asJson(value: unknown): JsonValue {
  return value as JsonValue;
}
