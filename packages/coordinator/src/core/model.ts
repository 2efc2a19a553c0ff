// The coordinator's domain, as the pure core sees it. Times are milliseconds since the epoch
// (the wire uses ISO-8601), money is integer amounts of the smallest unit.

export type JobState = "QUEUED" | "LEASED" | "VERIFYING" | "COMPLETED" | "FAILED" | "CANCELED" | "EXPIRED";

export const jobStates: readonly JobState[] = [
  "QUEUED",
  "LEASED",
  "VERIFYING",
  "COMPLETED",
  "FAILED",
  "CANCELED",
  "EXPIRED",
];

export const finalStates: ReadonlySet<JobState> = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

export function isFinal(state: JobState): boolean {
  return finalStates.has(state);
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JobConstraints {
  gpu?: boolean;
  min_vram_mb?: number;
  models?: string[];
  region?: string;
  min_reputation?: number;
}

export type VerificationMode = "none" | "replicate";

export interface Job {
  id: string;
  /** Insertion order: queue order and the list cursor. */
  seq: number;
  clientKeyId: string;
  clientWallet: string;
  workload: string;
  params: JsonValue;
  constraints: JobConstraints;
  /** Paid to each agreeing miner (less the fee). */
  reward: number;
  verification: VerificationMode;
  replicas: number;
  quorum: number;
  ttlS: number;
  maxRuntimeS: number;
  maxAttempts: number;
  state: JobState;
  /** Replicas still to hand out: replicas − (leased + proved). */
  openSlots: number;
  /** Leases handed out so far (every replica, every attempt). */
  leasesIssued: number;
  /**
   * The attempt each open slot's next lease will be: 1 for a replica never leased, +1 per lease
   * that replica lost (a lease given straight back, never delivered, costs none). One entry per
   * open slot.
   */
  openAttempts: number[];
  /** The highest attempt leased so far (0 before the first lease): what the job views show. */
  attempt: number;
  /** Leases that ended without a proof (expired, failed, miner went offline). */
  leasesLost: number;
  /** Money still held in escrow for this job. */
  escrow: number;
  createdAt: number;
  updatedAt: number;
  /**
   * Deadline for the open slots to be leased: ttl_s after submission, and ttl_s after a lost lease
   * reopens one; null while no slot is open.
   */
  startBy: number | null;
  finishedAt: number | null;
  outputSha: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /**
   * When the sweep removed the outputs (PITHEAD_RESULT_RETENTION_DAYS after the job ended); null
   * or absent while they are kept. Written by that sweep alone, never by a job update.
   */
  outputRemovedAt?: number | null;
  /** Bumped on every state change: the SSE event id. */
  version: number;
}

export type AssignmentState = "LEASED" | "PROVED" | "EXPIRED" | "FAILED" | "ABANDONED";

export interface Proof {
  outputSha: string;
  metrics: { [key: string]: JsonValue };
  mode: string | null;
  output: Uint8Array | null;
  signature: string | null;
}

/** One replica of a job held (or once held) by one miner. */
export interface Assignment {
  id: string;
  jobId: string;
  minerId: string;
  /** The miner's payout wallet when it took the lease. */
  wallet: string;
  leaseToken: string;
  attempt: number;
  state: AssignmentState;
  leasedAt: number;
  leaseExpiresAt: number;
  /** Renewals never push the lease past this (leasedAt + max_runtime_s). */
  leaseCapAt: number;
  proof: Proof | null;
  provedAt: number | null;
  /** Ledger seq of the coordinator.proof.accepted record (the receipt's ledger_seq). */
  proofSeq: number | null;
  /** "agree"/"disagree" once the job's quorum is decided. */
  verdict: "agree" | "disagree" | null;
  paid: number;
  /** The answer given to the proof, replayed when the same proof is sent again. */
  proofAnswer: JsonValue | null;
  failCode: string | null;
  failMessage: string | null;
  endedAt: number | null;
}

export interface MinerCapabilities {
  miner_id?: string;
  mode?: "gpu" | "cpu";
  gpu?: boolean;
  concurrency?: number;
  workloads?: string[];
  limits?: { vram_mb?: number; ram_mb?: number; max_runtime_s?: number };
  models?: string[];
  gpus?: { name: string; memory_mb: number }[];
  public_key?: string;
  region?: string;
}

export interface Miner {
  id: string;
  keyId: string;
  wallet: string;
  mode: "gpu" | "cpu";
  gpu: boolean;
  capabilities: MinerCapabilities | null;
  /** Ed25519 public key (base64 of the 32 raw bytes) that signs its proofs, if it registered one. */
  publicKey: string | null;
  draining: boolean;
  /**
   * The miner said in its last heartbeat that it is stopping (its shutdown grace): it finishes what
   * it holds and gets nothing new. Its next heartbeat without the flag clears it.
   */
  stopping: boolean;
  /** Cleared by the sweeper after the heartbeat timeout, set again by the next heartbeat. */
  online: boolean;
  registeredAt: number;
  lastSeenAt: number;
  /** 0..1000, starts at 500; see core/reputation.ts. */
  reputation: number;
}

export type Role = "client" | "miner" | "admin";

export interface ApiKeyRecord {
  id: string;
  hash: string;
  role: Role;
  label: string | null;
  /** A client key's wallet; the payout wallet a miner key is bound to (null: unbound). */
  wallet: string | null;
  /** A miner key's miner id, bound by its first heartbeat. */
  minerId: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/** System accounts start with "@", which wallet addresses cannot contain. */
export const accounts = {
  escrow: "@escrow",
  fee: "@fee",
  /** Where funding comes from: its balance is minus everything ever funded. */
  funding: "@funding",
} as const;

export type TransferKind = "fund" | "escrow" | "payout" | "fee" | "refund";

export interface Posting {
  account: string;
  amount: number;
}

/** One balanced movement of money: its postings sum to zero. */
export interface Transfer {
  kind: TransferKind;
  jobId: string | null;
  postings: Posting[];
}
