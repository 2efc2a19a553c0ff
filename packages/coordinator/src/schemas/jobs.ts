// Client-facing wire types.
import { rejectUnknownFields } from "@pithead/http";
import { type Static, Type } from "typebox";
import {
  Amount,
  JobId,
  JobState,
  JsonAny,
  MinerId,
  SignedReceipt,
  StringEnum,
  Timestamp,
  WorkloadName,
} from "./common.ts";

export const JobConstraints = Type.Object(
  {
    gpu: Type.Optional(Type.Boolean()),
    min_vram_mb: Type.Optional(Type.Integer({ minimum: 0 })),
    models: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 32 })),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    min_reputation: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  // A mistyped constraint ("min_vram") must not quietly let the job run on any miner.
  { additionalProperties: false },
);
export type JobConstraints = Static<typeof JobConstraints>;

export const Verification = Type.Object(
  {
    mode: StringEnum(["none", "replicate"]),
    replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
    quorum: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  },
  { additionalProperties: false },
);
export type Verification = Static<typeof Verification>;

/** Unknown fields are refused, not dropped: a typo would change what the client pays for. */
export const SubmitJobRequest = rejectUnknownFields(
  Type.Object({
    workload: WorkloadName,
    params: Type.Optional(JsonAny),
    constraints: Type.Optional(JobConstraints),
    reward: Amount,
    ttl_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 30 * 86_400,
        description: "Seconds each open slot has to be leased (from submission, and again after a lost lease)",
      }),
    ),
    max_runtime_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400 })),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    verification: Type.Optional(Verification),
  }),
);
export type SubmitJobRequest = Static<typeof SubmitJobRequest>;

export const LeaseView = Type.Object({
  miner_id: MinerId,
  state: Type.String(),
  attempt: Type.Integer({ description: "1 for the replica's first lease, +1 per lease that replica lost" }),
  leased_at: Timestamp,
  lease_expires_at: Timestamp,
  output_sha: Type.Union([Type.String(), Type.Null()]),
  verdict: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()], {
    description:
      "Why the lease ended without a proof: the miner's fail code and message (e.g. BAD_PARAMS: the prompt does not fit its model), or the coordinator's (NOT_DELIVERED, a lease that ran out); null otherwise",
  }),
});

export const JobView = Type.Object({
  id: JobId,
  state: JobState,
  workload: WorkloadName,
  params: JsonAny,
  constraints: JobConstraints,
  reward: Amount,
  verification: Type.Object({ mode: Type.String(), replicas: Type.Integer(), quorum: Type.Integer() }),
  ttl_s: Type.Integer(),
  max_runtime_s: Type.Integer(),
  max_attempts: Type.Integer(),
  attempt: Type.Integer({
    description:
      "The highest attempt of its replicas so far: 1 for a replica's first lease, +1 per lease that replica lost (0 before the first lease)",
  }),
  client: Type.String({ description: "The client's wallet" }),
  escrow: Amount,
  created_at: Timestamp,
  updated_at: Timestamp,
  start_by: Type.Union([Timestamp, Type.Null()], {
    description: "When the open slots expire if no miner has leased them; null while none is open",
  }),
  finished_at: Type.Union([Timestamp, Type.Null()]),
  output_sha: Type.Union([Type.String(), Type.Null()]),
  output_removed_at: Type.Optional(
    Type.String({
      format: "date-time",
      description:
        "Present once the output was removed, PITHEAD_RESULT_RETENTION_DAYS after the job ended (the result is then 410 OUTPUT_REMOVED; output_sha and receipts stay)",
    }),
  ),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  leases: Type.Optional(Type.Array(LeaseView)),
});
export type JobView = Static<typeof JobView>;

export const JobWarning = Type.Object({
  code: Type.String({
    description:
      "NO_MINER_OFFERS_WORKLOAD: no online miner offers the job's workload; NO_MINER_MEETS_CONSTRAINTS: miners offer it but none meets the job's constraints (constraints names them); TOO_FEW_ELIGIBLE_MINERS: fewer online miners (distinct wallets) may take a replica than replicas are open",
  }),
  workload: Type.String(),
  message: Type.String(),
  offered: Type.Optional(
    Type.Array(Type.String(), {
      description: "NO_MINER_OFFERS_WORKLOAD: the workloads online miners offer (at most 20)",
    }),
  ),
  constraints: Type.Optional(
    Type.Array(Type.String(), {
      description:
        "NO_MINER_MEETS_CONSTRAINTS: each constraint that rules the offering miners out, with the best online value (e.g. min_vram_mb 24000 (the largest online is 8192))",
    }),
  ),
  eligible: Type.Optional(
    Type.Integer({ description: "TOO_FEW_ELIGIBLE_MINERS: distinct online wallets that may take a replica now" }),
  ),
  open_slots: Type.Optional(Type.Integer({ description: "TOO_FEW_ELIGIBLE_MINERS: replicas still to hand out" })),
});
/** The submit answer's warnings are the job warnings, computed the same way. */
export const SubmitWarning = JobWarning;

const warningsField = Type.Optional(
  Type.Array(JobWarning, {
    description:
      "Present while the job waits for a miner (QUEUED, or replicas still open) and may never run as things are, judged by the claim rules against the miners online now: no online miner offers its workload, none meets its constraints, or fewer eligible miners than open replicas. It waits and expires at ttl_s (start_by) if nothing changes",
  }),
);

/** A job as GET /v1/jobs/{id} answers it: with warnings while it waits for a miner. */
export const JobDetail = Type.Object({ ...JobView.properties, warnings: warningsField });
export type JobDetail = Static<typeof JobDetail>;

/** The submit answer: the job, and what the client should know about its chances. */
export const SubmittedJob = Type.Object({ ...JobView.properties, warnings: warningsField });
export type SubmittedJob = Static<typeof SubmittedJob>;

/** Filters: an unknown one (?sate=) is refused, not ignored into a list of every job. */
export const JobListQuery = rejectUnknownFields(
  Type.Object({
    state: Type.Optional(JobState),
    workload: Type.Optional(WorkloadName),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 64 })),
  }),
);
export type JobListQuery = Static<typeof JobListQuery>;

export const JobListResponse = Type.Object({
  jobs: Type.Array(JobView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type JobListResponse = Static<typeof JobListResponse>;

export const JobResult = Type.Object({
  job_id: JobId,
  output: Type.Union([Type.String(), Type.Null()]),
  output_encoding: StringEnum(["utf8", "base64"]),
  output_sha: Type.String(),
  metrics: Type.Record(Type.String(), Type.Unknown()),
  receipt: Type.Union([SignedReceipt, Type.Null()]),
  receipts: Type.Array(SignedReceipt),
});
export type JobResult = Static<typeof JobResult>;

/** ?miner= for ?miner_id= would answer the first replica's receipt as if it were that miner's. */
export const ReceiptQuery = rejectUnknownFields(Type.Object({ miner_id: Type.Optional(MinerId) }));

export const ReceiptKeyResponse = Type.Object({
  key_id: Type.String(),
  public_key: Type.String({ description: "base64 of the raw 32-byte Ed25519 public key" }),
  public_key_pem: Type.String(),
  algorithm: Type.Literal("Ed25519"),
});
export type ReceiptKeyResponse = Static<typeof ReceiptKeyResponse>;
