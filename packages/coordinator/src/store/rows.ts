// Row ⇄ domain mapping shared by both stores. SQLite hands back numbers and 0/1, PostgreSQL strings
// for BIGINT and real booleans; these helpers accept either.

import { legacyOpenAttempts } from "../core/job-life.ts";
import type {
  ApiKeyRecord,
  Assignment,
  AssignmentState,
  Job,
  JobConstraints,
  JobState,
  JsonValue,
  Miner,
  MinerCapabilities,
  Role,
  VerificationMode,
} from "../core/model.ts";

export type Row = Record<string, unknown>;

export function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value !== "") return Number(value);
  throw new Error(`expected a number column, got ${typeof value}`);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function str(value: unknown): string {
  if (typeof value !== "string") throw new Error(`expected a text column, got ${typeof value}`);
  return value;
}

export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}

export function bool(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === "1" || value === "t";
}

function json<T>(value: unknown): T {
  return JSON.parse(str(value)) as T;
}

function jsonOrNull<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : json<T>(value);
}

function bytesOrNull(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  throw new Error("expected a blob column");
}

/** An idempotency row: the first answer to a request with an Idempotency-Key. */
export function toIdempotency(row: Row): { requestHash: string; status: number; response: JsonValue } {
  return { requestHash: str(row.request_hash), status: num(row.status), response: JSON.parse(str(row.response)) };
}

export function toKey(row: Row): ApiKeyRecord {
  return {
    id: str(row.id),
    hash: str(row.hash),
    role: str(row.role) as Role,
    label: strOrNull(row.label),
    wallet: strOrNull(row.wallet),
    minerId: strOrNull(row.miner_id),
    createdAt: num(row.created_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

export function toMiner(row: Row): Miner {
  return {
    id: str(row.id),
    keyId: str(row.key_id),
    wallet: str(row.wallet),
    mode: str(row.mode) === "gpu" ? "gpu" : "cpu",
    gpu: bool(row.gpu),
    capabilities: jsonOrNull<MinerCapabilities>(row.capabilities),
    publicKey: strOrNull(row.public_key),
    draining: bool(row.draining),
    stopping: bool(row.stopping),
    online: bool(row.online),
    registeredAt: num(row.registered_at),
    lastSeenAt: num(row.last_seen_at),
    reputation: num(row.reputation),
  };
}

export function toJob(row: Row): Job {
  const job = {
    id: str(row.id),
    seq: num(row.seq),
    clientKeyId: str(row.client_key_id),
    clientWallet: str(row.client_wallet),
    workload: str(row.workload),
    params: json<JsonValue>(row.params),
    constraints: json<JobConstraints>(row.constraints),
    reward: num(row.reward),
    verification: str(row.verification) as VerificationMode,
    replicas: num(row.replicas),
    quorum: num(row.quorum),
    ttlS: num(row.ttl_s),
    maxRuntimeS: num(row.max_runtime_s),
    maxAttempts: num(row.max_attempts),
    state: str(row.state) as JobState,
    openSlots: num(row.open_slots),
    attempt: num(row.attempt),
    leasesIssued: num(row.leases_issued),
    leasesLost: num(row.leases_lost),
    escrow: num(row.escrow),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    startBy: numOrNull(row.start_by),
    finishedAt: numOrNull(row.finished_at),
    outputSha: strOrNull(row.output_sha),
    errorCode: strOrNull(row.error_code),
    errorMessage: strOrNull(row.error_message),
    version: num(row.version),
  };
  // A row written before open slots kept their attempts (NULL) gets them derived.
  const openAttempts = jsonOrNull<number[]>(row.open_attempts) ?? legacyOpenAttempts(job);
  const outputRemovedAt = numOrNull(row.output_removed_at);
  return { ...job, openAttempts, ...(outputRemovedAt === null ? {} : { outputRemovedAt }) };
}

/** Column values of a job in the order of `jobColumnNames`. */
export const jobColumnNames = [
  "id",
  "client_key_id",
  "client_wallet",
  "workload",
  "params",
  "constraints",
  "reward",
  "verification",
  "replicas",
  "quorum",
  "ttl_s",
  "max_runtime_s",
  "max_attempts",
  "state",
  "open_slots",
  "open_attempts",
  "attempt",
  "leases_issued",
  "leases_lost",
  "escrow",
  "created_at",
  "updated_at",
  "start_by",
  "finished_at",
  "output_sha",
  "error_code",
  "error_message",
  "version",
] as const;

export function jobValues(job: Omit<Job, "seq">): (string | number | null)[] {
  return [
    job.id,
    job.clientKeyId,
    job.clientWallet,
    job.workload,
    JSON.stringify(job.params),
    JSON.stringify(job.constraints),
    job.reward,
    job.verification,
    job.replicas,
    job.quorum,
    job.ttlS,
    job.maxRuntimeS,
    job.maxAttempts,
    job.state,
    job.openSlots,
    JSON.stringify(job.openAttempts),
    job.attempt,
    job.leasesIssued,
    job.leasesLost,
    job.escrow,
    job.createdAt,
    job.updatedAt,
    job.startBy,
    job.finishedAt,
    job.outputSha,
    job.errorCode,
    job.errorMessage,
    job.version,
  ];
}

/** The columns a job update may change. */
export const jobMutableColumnNames = [
  "state",
  "open_slots",
  "open_attempts",
  "attempt",
  "leases_issued",
  "leases_lost",
  "escrow",
  "updated_at",
  "start_by",
  "finished_at",
  "output_sha",
  "error_code",
  "error_message",
  "version",
] as const;

export function jobMutableValues(job: Job): (string | number | null)[] {
  return [
    job.state,
    job.openSlots,
    JSON.stringify(job.openAttempts),
    job.attempt,
    job.leasesIssued,
    job.leasesLost,
    job.escrow,
    job.updatedAt,
    job.startBy,
    job.finishedAt,
    job.outputSha,
    job.errorCode,
    job.errorMessage,
    job.version,
  ];
}

export function toAssignment(row: Row): Assignment {
  const outputSha = strOrNull(row.output_sha);
  return {
    id: str(row.id),
    jobId: str(row.job_id),
    minerId: str(row.miner_id),
    wallet: str(row.wallet),
    leaseToken: str(row.lease_token),
    attempt: num(row.attempt),
    state: str(row.state) as AssignmentState,
    leasedAt: num(row.leased_at),
    leaseExpiresAt: num(row.lease_expires_at),
    leaseCapAt: num(row.lease_cap_at),
    proof:
      outputSha === null
        ? null
        : {
            outputSha,
            metrics: jsonOrNull<{ [key: string]: JsonValue }>(row.metrics) ?? {},
            mode: strOrNull(row.proof_mode),
            output: bytesOrNull(row.output),
            signature: strOrNull(row.signature),
          },
    provedAt: numOrNull(row.proved_at),
    proofSeq: numOrNull(row.proof_seq),
    verdict: strOrNull(row.verdict) as Assignment["verdict"],
    paid: num(row.paid),
    proofAnswer: jsonOrNull<JsonValue>(row.proof_answer),
    failCode: strOrNull(row.fail_code),
    failMessage: strOrNull(row.fail_message),
    endedAt: numOrNull(row.ended_at),
  };
}

export const assignmentColumnNames = [
  "id",
  "job_id",
  "miner_id",
  "wallet",
  "lease_token",
  "attempt",
  "state",
  "leased_at",
  "lease_expires_at",
  "lease_cap_at",
  "output_sha",
  "metrics",
  "proof_mode",
  "output",
  "signature",
  "proved_at",
  "proof_seq",
  "verdict",
  "paid",
  "proof_answer",
  "fail_code",
  "fail_message",
  "ended_at",
] as const;

export function assignmentValues(assignment: Assignment): (string | number | Uint8Array | null)[] {
  const proof = assignment.proof;
  return [
    assignment.id,
    assignment.jobId,
    assignment.minerId,
    assignment.wallet,
    assignment.leaseToken,
    assignment.attempt,
    assignment.state,
    assignment.leasedAt,
    assignment.leaseExpiresAt,
    assignment.leaseCapAt,
    proof?.outputSha ?? null,
    proof ? JSON.stringify(proof.metrics) : null,
    proof?.mode ?? null,
    proof?.output ?? null,
    proof?.signature ?? null,
    assignment.provedAt,
    assignment.proofSeq,
    assignment.verdict,
    assignment.paid,
    assignment.proofAnswer === null ? null : JSON.stringify(assignment.proofAnswer),
    assignment.failCode,
    assignment.failMessage,
    assignment.endedAt,
  ];
}

export const minerColumnNames = [
  "id",
  "key_id",
  "wallet",
  "mode",
  "gpu",
  "capabilities",
  "public_key",
  "draining",
  "stopping",
  "online",
  "registered_at",
  "last_seen_at",
  "reputation",
] as const;

/** Miner values; booleans as the store wants them (0/1 for SQLite, true/false for PostgreSQL). */
export function minerValues<B>(miner: Miner, boolean: (value: boolean) => B): (string | number | B | null)[] {
  return [
    miner.id,
    miner.keyId,
    miner.wallet,
    miner.mode,
    boolean(miner.gpu),
    miner.capabilities === null ? null : JSON.stringify(miner.capabilities),
    miner.publicKey,
    boolean(miner.draining),
    boolean(miner.stopping),
    boolean(miner.online),
    miner.registeredAt,
    miner.lastSeenAt,
    miner.reputation,
  ];
}

export const keyColumnNames = [
  "id",
  "hash",
  "role",
  "label",
  "wallet",
  "miner_id",
  "created_at",
  "revoked_at",
] as const;

export function keyValues(key: ApiKeyRecord): (string | number | null)[] {
  return [key.id, key.hash, key.role, key.label, key.wallet, key.minerId, key.createdAt, key.revokedAt];
}
