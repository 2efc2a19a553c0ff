// The store contract. Two implementations (SQLite, PostgreSQL) keep the same promises and are
// checked by one conformance suite (test/store-conformance.ts).
//
// Writes go through `write(op)`: the op runs inside a transaction shared with the other ops that
// arrived in the same event-loop turn (group commit), and its promise settles only after that
// transaction is durably committed. An op may throw a registry error (HttpError) before its first
// write; that fails the op alone. Anything else fails the batch, which is then retried one op per
// transaction so that one bad op cannot take its neighbours down.

import type {
  ApiKeyRecord,
  Assignment,
  Job,
  JobState,
  JsonValue,
  Miner,
  Posting,
  Role,
  Transfer,
} from "../core/model.ts";
import type { SignedReceipt } from "../core/receipt.ts";
import type { FollowUpSource } from "./group-commit.ts";

/** A job state change, delivered to subscribers after the change is committed. */
export interface JobEvent {
  type: "job.state";
  job_id: string;
  state: JobState;
  previous: JobState | null;
  version: number;
  open_slots: number;
  workload: string;
  client_key_id: string;
  at: string;
}

export interface IdempotencyRecord {
  requestHash: string;
  status: number;
  response: JsonValue;
}

export interface ClaimQuery {
  minerId: string;
  wallet: string;
  workloads: readonly string[];
  now: number;
  limit: number;
  /** Only jobs after this queue position (for paging through candidates that did not match). */
  afterSeq: number;
}

/** The primitive reads and writes an op may use inside its transaction. */
export interface Tx {
  /** The transaction's clock reading; every op in a batch sees the same instant. */
  readonly now: number;

  keyById(id: string): Promise<ApiKeyRecord | undefined>;
  keyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  activeAdminKeys(): Promise<number>;
  /**
   * Does `wallet` belong to a key other than `keyId`: is it the payout wallet of a miner registered
   * to another key, or bound to another miner key? Revoked keys count: what was paid into the wallet
   * is still theirs. Sees this transaction's own writes.
   */
  walletOfOtherKey(wallet: string, keyId: string): Promise<boolean>;
  /** Whether a client key (active or revoked) has this wallet: it pays for jobs from it. */
  clientKeyWallet(wallet: string): Promise<boolean>;
  insertKey(key: ApiKeyRecord): Promise<void>;
  updateKey(key: ApiKeyRecord): Promise<void>;

  miner(id: string): Promise<Miner | undefined>;
  insertMiner(miner: Miner): Promise<void>;
  updateMiner(miner: Miner): Promise<void>;
  /** Moves a miner's reputation by `delta`, clamped to [min, max], in one statement. */
  adjustReputation(minerId: string, delta: number, min: number, max: number): Promise<void>;
  /** Online miners not seen since `before`. */
  staleMiners(before: number, limit: number): Promise<Miner[]>;
  inFlight(minerId: string): Promise<number>;

  job(id: string): Promise<Job | undefined>;
  insertJob(job: Omit<Job, "seq">): Promise<Job>;
  updateJob(job: Job): Promise<void>;
  /** Jobs with open replicas this miner is not excluded from, in queue order. */
  claimCandidates(query: ClaimQuery): Promise<Job[]>;
  /** Live jobs with open slots past their start deadline. */
  overdueJobs(now: number, limit: number): Promise<Job[]>;

  assignments(jobId: string): Promise<Assignment[]>;
  insertAssignment(assignment: Assignment): Promise<void>;
  updateAssignment(assignment: Assignment): Promise<void>;
  liveAssignmentsOf(minerId: string): Promise<Assignment[]>;
  expiredLeases(now: number, limit: number): Promise<Assignment[]>;

  balance(account: string): Promise<number>;
  /** Inserts the transfer's postings and moves the cached balances; returns its id. */
  applyTransfer(transfer: Transfer): Promise<string>;

  idempotency(keyId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined>;
  putIdempotency(keyId: string, idempotencyKey: string, record: IdempotencyRecord): Promise<void>;
  deleteIdempotencyBefore(before: number): Promise<number>;
  /** Ended jobs (oldest first) that ended before `before` and still keep their outputs. */
  jobsKeepingOutputsEndedBefore(before: number, limit: number): Promise<string[]>;
  /**
   * Removes these jobs' outputs (hashes, metrics, signatures stay) and marks when, each job once
   * (those another process marked first are left to it); returns, of the jobs this call marked,
   * those that had an output to remove (a canceled or failed job may have none), and how many went.
   */
  removeOutputs(jobIds: readonly string[]): Promise<{ jobIds: string[]; outputs: number }>;

  insertReceipt(jobId: string, signed: SignedReceipt): Promise<void>;

  /** Appends a record to the coordinator's ledger partition in this transaction; returns its seq. */
  record(type: string, body: JsonValue): Promise<number>;
  /** Queues an event for delivery once the transaction commits. */
  emit(event: JobEvent): void;
}

export type Op<T> = (tx: Tx) => Promise<T>;

/**
 * The rows an op will read first. A batch loads the rows of all its ops' hints with one query per
 * table before the ops run (on PostgreSQL one round trip instead of one per op). Only a speed-up:
 * an op reads what it needs either way.
 */
export interface WriteHints {
  jobIds?: readonly string[];
  minerIds?: readonly string[];
  /** Wallets whose balance the op reads. */
  wallets?: readonly string[];
  /**
   * Replicas the op will open (a submit): the batch then also loads what the claims of miners
   * waiting for them will read (see FollowUpSource.likelyReads).
   */
  opens?: readonly OpenedSlots[];
  /** First pages of claim candidates to read up front (a waiting miner's follow-up claim). */
  candidates?: readonly CandidatePage[];
}

/** Replicas of one workload that an op is about to open. */
export interface OpenedSlots {
  workload: string;
  slots: number;
}

/** The first page of a claim's candidates (ClaimQuery with afterSeq 0, at the transaction's time). */
export interface CandidatePage {
  minerId: string;
  wallet: string;
  workloads: readonly string[];
  /** Rows to read: a claim asking for at most this many is answered from them. */
  limit: number;
}

export interface JobListQuery {
  clientKeyId?: string;
  state?: JobState;
  workload?: string;
  limit: number;
  /** Jobs older than this seq (newest first). */
  beforeSeq?: number;
}

export interface MinerView extends Miner {
  inFlight: number;
}

/** One posting as a statement lists it. */
export interface PostingView extends Posting {
  id: number;
  transferId: string;
  kind: string;
  jobId: string | null;
  at: number;
}

export interface WalletView {
  address: string;
  balance: number;
  updatedAt: number;
}

export interface Stats {
  jobs: Record<JobState, number>;
  /** Replicas waiting for a miner (open slots of live jobs). */
  queueDepth: number;
  miners: { online: number; offline: number; draining: number; stopping: number };
  completedLastMinute: number;
  escrow: number;
  fees: number;
  funded: number;
}

export interface AuditReport {
  ok: boolean;
  /** Accounts whose cached balance differs from the sum of their postings. */
  mismatched: { account: string; cached: number; fromPostings: number }[];
  /** Transfers whose postings do not sum to zero. */
  unbalanced: string[];
  /** Sum over every account, system ones included (zero when the books balance). */
  total: number;
  /** Minus the funding account: all money ever put in. */
  funded: number;
  /** Money in wallets, escrow and fees: equals `funded`. */
  held: number;
  /** Escrow account balance vs the escrow the live jobs still hold. */
  escrow: { account: number; jobs: number };
}

/** Reads outside any write transaction: they see committed state only. */
export interface StoreReads {
  /** A round trip to the database (health checks). */
  ping(): Promise<void>;
  keyById(id: string): Promise<ApiKeyRecord | undefined>;
  keyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  keys(): Promise<ApiKeyRecord[]>;
  /** Is this wallet a client key's (revoked or not)? */
  clientWallet(address: string): Promise<boolean>;
  /** Is a miner key (revoked or not) bound to this payout wallet? */
  boundWallet(address: string): Promise<boolean>;
  /** Of these key ids, those of keys that exist and are not revoked. */
  activeKeys(ids: readonly string[]): Promise<Set<string>>;
  job(id: string): Promise<Job | undefined>;
  jobs(query: JobListQuery): Promise<Job[]>;
  assignments(jobId: string): Promise<Assignment[]>;
  receipts(jobId: string): Promise<SignedReceipt[]>;
  /** Ledger seqs of the records about this job, in order. */
  jobLedgerSeqs(jobId: string): Promise<number[]>;
  miner(id: string): Promise<Miner | undefined>;
  /** A page of miners in id order, after `after` (keyset paging, as `wallets`). */
  miners(limit: number, after?: string): Promise<MinerView[]>;
  inFlight(minerId: string): Promise<number>;
  /** The stored first answer to a request with this Idempotency-Key, if one was stored. */
  idempotency(keyId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined>;
  /** Whether any job with an open replica for one of these workloads may be claimable now. */
  claimableExists(workloads: readonly string[], now: number): Promise<boolean>;
  wallet(address: string): Promise<WalletView | undefined>;
  wallets(limit: number, after?: string): Promise<WalletView[]>;
  /** Escrow held for the wallet's live jobs, plus payouts its proofs await from a quorum. */
  pending(address: string, feeBps: number): Promise<number>;
  /** An account's postings, newest first, those before posting `beforeId` when given. */
  postings(account: string, limit: number, beforeId?: number): Promise<PostingView[]>;
  /** The account's balance just after posting `id` (the sum of its postings up to it). */
  balanceThrough(account: string, id: number): Promise<number>;
  stats(now: number): Promise<Stats>;
  audit(): Promise<AuditReport>;
}

export interface CoordinatorStore {
  readonly kind: "sqlite" | "postgres";
  readonly reads: StoreReads;
  write<T>(op: Op<T>, hints?: WriteHints): Promise<T>;
  /**
   * Runs `work` between write batches, never during one: the ledger signing a checkpoint on its own
   * connection must not wait for a SQLite write lock held by this very thread.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Committed job events, in commit order: this process's right after each commit, and on
   * PostgreSQL also those of other coordinator processes on the same database (LISTEN/NOTIFY).
   */
  subscribe(listener: (events: JobEvent[]) => void): () => void;
  /** Registers the follow-up ops each batch runs in its own transaction (see GroupCommit). */
  setFollowUps(source: FollowUpSource): void;
  /** Ledger records are appended in the store's own transactions; this names their partition. */
  readonly ledgerPartition: string;
  close(): Promise<void>;
}

export type { Role };
