// Miner-facing wire types: what the seed's miner.sh sends, plus Pithead's additions.
import { lowercased, rejectUnknownFields } from "@pithead/http";
import { type Static, Type } from "typebox";
import {
  Amount,
  JobId,
  JsonAny,
  MinerId,
  Sha256Hex,
  StringEnum,
  Timestamp,
  WalletAddress,
  WorkloadName,
} from "./common.ts";

/** The seed's script sends 0/1, MinerCapabilities a boolean: both mean the same. */
export const GpuFlag = Type.Unsafe<boolean | 0 | 1>({
  enum: [true, false, 0, 1],
  description: "Whether the miner has a GPU: true/false or 1/0",
});

export const MinerCapabilities = Type.Object({
  miner_id: Type.Optional(MinerId),
  mode: Type.Optional(StringEnum(["gpu", "cpu"])),
  gpu: Type.Optional(GpuFlag),
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  workloads: Type.Optional(Type.Array(WorkloadName, { maxItems: 64 })),
  limits: Type.Optional(
    Type.Object({
      vram_mb: Type.Optional(Type.Integer({ minimum: 0 })),
      ram_mb: Type.Optional(Type.Integer({ minimum: 0 })),
      max_runtime_s: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
  ),
  models: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 256 })),
  gpus: Type.Optional(
    Type.Array(Type.Object({ name: Type.String({ maxLength: 200 }), memory_mb: Type.Integer({ minimum: 0 }) }), {
      maxItems: 64,
    }),
  ),
  public_key: Type.Optional(Type.String({ description: "base64 of the miner's raw 32-byte Ed25519 public key" })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type MinerCapabilities = Static<typeof MinerCapabilities>;

export const HeartbeatRequest = Type.Object({
  miner_id: MinerId,
  wallet: WalletAddress,
  mode: StringEnum(["gpu", "cpu"]),
  gpu: GpuFlag,
  capabilities: Type.Optional(MinerCapabilities),
  jobs: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      maxItems: 1024,
      description:
        "The jobs this miner holds (running, or a result not yet delivered): only their leases are renewed, and lost_jobs names those it no longer holds. Its other leases are left to run out (a job on its way to the miner is on no list yet, and its claim's lease lasts until the next beat lists it), or given back at once with jobs_complete",
    }),
  ),
  stopping: Type.Optional(
    Type.Boolean({
      description:
        "true: this miner is stopping (its shutdown grace): it finishes and proves what it holds, and is handed no new job. A heartbeat without it clears it",
    }),
  ),
  jobs_complete: Type.Optional(
    Type.Boolean({
      description:
        "true: `jobs` is everything this miner holds, so its other leases are given back (a restarted miner's lost jobs go back to the queue at once)",
    }),
  ),
});
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatResponse = Type.Object({
  ok: Type.Boolean(),
  server_time: Timestamp,
  leases_renewed: Type.Integer(),
  registered: Type.Boolean(),
  status: StringEnum(["online", "draining", "stopping"]),
  reputation: Type.Integer(),
  renewed_jobs: Type.Optional(Type.Array(Type.String(), { description: "Jobs whose leases this heartbeat renewed" })),
  lost_jobs: Type.Optional(
    Type.Array(Type.Object({ id: Type.String(), reason: Type.String() }), {
      description:
        "Jobs in `jobs` this miner no longer holds a lease on (JOB_CANCELED, LEASE_EXPIRED, ...): stop working on them",
    }),
  ),
  released_jobs: Type.Optional(
    Type.Array(Type.String(), { description: "Leases given back because `jobs` (complete) did not list them" }),
  ),
  max_output_bytes: Type.Optional(
    Type.Integer({ description: "Largest proof output this coordinator accepts inline (413 OUTPUT_TOO_LARGE above)" }),
  ),
  storage_full: Type.Optional(
    Type.Boolean({
      description:
        "true: this coordinator's disk is full, so proofs and fails are refused (507 STORAGE_FULL) though this heartbeat's own small write went through; a miner keeps its results until it says false",
    }),
  ),
});
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;

/** Most finished jobs one claim may name (as many as one claim may take). */
const MAX_DONE = 64;
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

export const NextQuery = Type.Object({
  miner: MinerId,
  slots: Type.Integer({
    minimum: 1,
    maximum: 1024,
    default: 1,
    description: "In-flight jobs allowed (MAX_CONCURRENCY)",
  }),
  wait: Type.Integer({ minimum: 0, maximum: 60, default: 0, description: "Long-poll up to this many seconds" }),
  done: Type.Optional(
    lowercased(
      Type.String({
        pattern: `^${UUID}(,${UUID}){0,${MAX_DONE - 1}}$`,
        description: `Up to ${MAX_DONE} comma-separated ids of jobs this miner has finished whose proofs or fails are on their way: they do not take its slots, so the next job can start while a proof is delivered (they still count against the coordinator's per-miner limit)`,
      }),
    ),
  ),
});
export type NextQuery = Static<typeof NextQuery>;

export const LeasedJob = Type.Object({
  id: JobId,
  workload: WorkloadName,
  params: JsonAny,
  lease_expires_at: Timestamp,
  lease_token: Type.String({ description: "Send it back with the proof to prove this very lease" }),
  attempt: Type.Integer({ description: "1 for the replica's first lease, +1 per lease that replica lost" }),
  max_runtime_s: Type.Integer(),
  reward: Amount,
});
export type LeasedJob = Static<typeof LeasedJob>;

export const ClaimRequest = Type.Object({
  miner_id: MinerId,
  max_jobs: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  wait_s: Type.Integer({ minimum: 0, maximum: 60, default: 0 }),
  slots: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1024,
      description: "In-flight limit; default the declared concurrency, else max_jobs",
    }),
  ),
  done: Type.Optional(
    Type.Array(JobId, {
      maxItems: MAX_DONE,
      description:
        "Jobs this miner has finished whose proofs or fails are on their way: they do not take its slots (as `done=` on next)",
    }),
  ),
});
export type ClaimRequest = Static<typeof ClaimRequest>;

export const ClaimResponse = Type.Object({ jobs: Type.Array(LeasedJob) });
export type ClaimResponse = Static<typeof ClaimResponse>;

export const ProofRequest = Type.Object({
  id: JobId,
  mode: Type.Optional(Type.String({ maxLength: 32 })),
  output_sha: Sha256Hex,
  metrics: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 128, default: {} }),
  output: Type.Optional(Type.String({ description: "The result inline (see output_encoding)" })),
  output_encoding: Type.Optional(StringEnum(["utf8", "base64"])),
  signature: Type.Optional(
    Type.String({
      maxLength: 200,
      description: "base64 Ed25519 signature over canonical {job_id, miner_id, output_sha}",
    }),
  ),
  lease_token: Type.Optional(Type.String({ maxLength: 200 })),
});
export type ProofRequest = Static<typeof ProofRequest>;

export const ProofResponse = Type.Object({
  ok: Type.Boolean(),
  job_id: JobId,
  accepted: Type.Boolean(),
  state: Type.String(),
  credited: Amount,
  receipt_id: Type.Union([Type.String(), Type.Null()]),
});
export type ProofResponse = Static<typeof ProofResponse>;

export const ProofBatchRequest = Type.Object({ proofs: Type.Array(ProofRequest, { minItems: 1, maxItems: 64 }) });
export type ProofBatchRequest = Static<typeof ProofBatchRequest>;

export const ProofBatchResponse = Type.Object({
  results: Type.Array(Type.Object({ id: Type.String(), status: Type.Integer(), body: Type.Unknown() })),
});
export type ProofBatchResponse = Static<typeof ProofBatchResponse>;

export const FailRequest = Type.Object({
  id: JobId,
  error_code: Type.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$", default: "FAILED" }),
  message: Type.String({ maxLength: 2000, default: "" }),
});
export type FailRequest = Static<typeof FailRequest>;

export const FailResponse = Type.Object({
  ok: Type.Boolean(),
  job_id: JobId,
  state: Type.String(),
  requeued: Type.Boolean(),
});
export type FailResponse = Static<typeof FailResponse>;

/** ?adress= would answer the caller's own wallet as if it were the one asked for. */
export const BalanceQuery = rejectUnknownFields(Type.Object({ address: Type.Optional(WalletAddress) }));
export const BalanceResponse = Type.Object({
  address: Type.String(),
  balance: Amount,
  pending: Amount,
  updated_at: Type.Union([Timestamp, Type.Null()]),
});
export type BalanceResponse = Static<typeof BalanceResponse>;

export const StatementQuery = rejectUnknownFields(
  Type.Object({
    address: Type.Optional(WalletAddress),
    cursor: Type.Optional(Type.String({ maxLength: 64, description: "next_cursor of the page before" })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  }),
);
export type StatementQuery = Static<typeof StatementQuery>;

export const StatementEntry = Type.Object({
  posting_id: Type.Integer(),
  at: Timestamp,
  kind: Type.String({ description: "fund, escrow, payout, fee or refund" }),
  job_id: Type.Union([Type.String(), Type.Null()]),
  transfer_id: Type.String(),
  amount: Type.Integer({ description: "Into the wallet (positive) or out of it (negative), smallest unit" }),
  balance_after: Type.Integer({ description: "The wallet's balance just after this movement" }),
});

export const StatementResponse = Type.Object({
  address: Type.String(),
  balance: Amount,
  entries: Type.Array(StatementEntry, { description: "Newest first" }),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type StatementResponse = Static<typeof StatementResponse>;
