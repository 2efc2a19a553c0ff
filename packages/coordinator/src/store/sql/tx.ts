// The transaction an op runs in, for both stores: the Tx contract in the SQL both dialects share.
// The store that opens it supplies the connection (inside BEGIN) and the ledger append.

import { randomUUID } from "node:crypto";
import type { ApiKeyRecord, Assignment, Job, JsonValue, Miner, Transfer } from "../../core/model.ts";
import { addAmounts } from "../../core/money.ts";
import type { SignedReceipt } from "../../core/receipt.ts";
import {
  assignmentColumnNames,
  assignmentValues,
  jobColumnNames,
  jobMutableColumnNames,
  jobMutableValues,
  jobValues,
  keyColumnNames,
  keyValues,
  minerColumnNames,
  minerValues,
  num,
  str,
  toAssignment,
  toJob,
  toKey,
  toMiner,
} from "../rows.ts";
import type { ClaimQuery, IdempotencyRecord, JobEvent, Tx } from "../types.ts";
import { claimCandidatesSql } from "./claim-candidates.ts";
import { placeholders, type Sql, type SqlParam } from "./sql.ts";

/** Appends one record to the coordinator's ledger partition inside the open transaction. */
export type LedgerAppend = (type: string, body: JsonValue, at: Date) => Promise<number>;

const insertJobSql = `INSERT INTO jobs (${jobColumnNames.join(", ")}) VALUES (${placeholders(jobColumnNames.length)}) RETURNING seq`;
const updateJobSql = `UPDATE jobs SET ${jobMutableColumnNames.map((column) => `${column} = ?`).join(", ")} WHERE id = ?`;
const insertAssignmentSql = `INSERT INTO assignments (${assignmentColumnNames.join(", ")}) VALUES (${placeholders(assignmentColumnNames.length)})`;
const updateAssignmentSql = `UPDATE assignments SET ${assignmentColumnNames
  .slice(1)
  .map((column) => `${column} = ?`)
  .join(", ")} WHERE id = ?`;
const insertMinerSql = `INSERT INTO miners (${minerColumnNames.join(", ")}) VALUES (${placeholders(minerColumnNames.length)})`;
const updateMinerSql = `UPDATE miners SET ${minerColumnNames
  .slice(1)
  .map((column) => `${column} = ?`)
  .join(", ")} WHERE id = ?`;
const insertKeySql = `INSERT INTO api_keys (${keyColumnNames.join(", ")}) VALUES (${placeholders(keyColumnNames.length)})`;
const updateKeySql = `UPDATE api_keys SET ${keyColumnNames
  .slice(1)
  .map((column) => `${column} = ?`)
  .join(", ")} WHERE id = ?`;

export class SqlTx implements Tx {
  readonly now: number;
  readonly #sql: Sql;
  readonly #append: LedgerAppend;
  readonly #bool: (value: boolean) => SqlParam;
  readonly #lock: string;
  writes = 0;
  events: JobEvent[] = [];
  /** Balance changes of this transaction, applied once per account at flush(). */
  readonly #deltas = new Map<string, number>();
  /** job_ledger rows of this transaction, inserted together at flush(). */
  readonly #jobRecords: [string, number, string][] = [];

  constructor(sql: Sql, append: LedgerAppend, now: number) {
    this.#sql = sql;
    this.#append = append;
    this.now = now;
    this.#bool = sql.dialect === "sqlite" ? (value) => (value ? 1 : 0) : (value) => value;
    // Writers are serialised (see the stores), so row locks are belt and braces on PostgreSQL.
    this.#lock = sql.dialect === "postgres" ? " FOR UPDATE" : "";
  }

  #write(sql: string, params: readonly SqlParam[]): Promise<number> {
    this.writes++;
    return this.#sql.run(sql, params);
  }

  async keyById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#sql.get("SELECT * FROM api_keys WHERE id = ?", [id]);
    return row ? toKey(row) : undefined;
  }

  async keyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#sql.get("SELECT * FROM api_keys WHERE hash = ?", [hash]);
    return row ? toKey(row) : undefined;
  }

  async activeAdminKeys(): Promise<number> {
    const row = await this.#sql.get("SELECT COUNT(*) AS n FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL");
    return num(row?.n);
  }

  async insertKey(key: ApiKeyRecord): Promise<void> {
    await this.#write(insertKeySql, keyValues(key));
  }

  async updateKey(key: ApiKeyRecord): Promise<void> {
    const [id, ...rest] = keyValues(key);
    await this.#write(updateKeySql, [...rest, id ?? null]);
  }

  async miner(id: string): Promise<Miner | undefined> {
    const row = await this.#sql.get(`SELECT * FROM miners WHERE id = ?${this.#lock}`, [id]);
    return row ? toMiner(row) : undefined;
  }

  async insertMiner(miner: Miner): Promise<void> {
    await this.#write(insertMinerSql, minerValues(miner, this.#bool));
  }

  async updateMiner(miner: Miner): Promise<void> {
    const [id, ...rest] = minerValues(miner, this.#bool);
    await this.#write(updateMinerSql, [...rest, id ?? null]);
  }

  async adjustReputation(minerId: string, delta: number, min: number, max: number): Promise<void> {
    await this.#write(
      "UPDATE miners SET reputation = MIN(?, MAX(?, reputation + ?)) WHERE id = ?".replace(/MIN\(|MAX\(/g, (fn) =>
        this.#sql.dialect === "postgres" ? (fn === "MIN(" ? "LEAST(" : "GREATEST(") : fn,
      ),
      [max, min, delta, minerId],
    );
  }

  async staleMiners(before: number, limit: number): Promise<Miner[]> {
    const rows = await this.#sql.all(
      "SELECT * FROM miners WHERE online = ? AND last_seen_at < ? ORDER BY last_seen_at LIMIT ?",
      [this.#bool(true), before, limit],
    );
    return rows.map(toMiner);
  }

  async inFlight(minerId: string): Promise<number> {
    const row = await this.#sql.get("SELECT COUNT(*) AS n FROM assignments WHERE miner_id = ? AND state = 'LEASED'", [
      minerId,
    ]);
    return num(row?.n);
  }

  async job(id: string): Promise<Job | undefined> {
    const row = await this.#sql.get(`SELECT * FROM jobs WHERE id = ?${this.#lock}`, [id]);
    return row ? toJob(row) : undefined;
  }

  async insertJob(job: Omit<Job, "seq">): Promise<Job> {
    this.writes++;
    const row = await this.#sql.get(insertJobSql, jobValues(job));
    return { ...job, seq: num(row?.seq) };
  }

  async updateJob(job: Job): Promise<void> {
    await this.#write(updateJobSql, [...jobMutableValues(job), job.id]);
  }

  async claimCandidates(query: ClaimQuery): Promise<Job[]> {
    if (query.workloads.length === 0 || query.limit <= 0) return [];
    const { sql, params } = claimCandidatesSql(query, this.#sql.dialect);
    return (await this.#sql.all(sql, params)).map(toJob);
  }

  async overdueJobs(now: number, limit: number): Promise<Job[]> {
    const rows = await this.#sql.all(
      `SELECT * FROM jobs WHERE state = 'QUEUED' AND start_by <= ? ORDER BY start_by LIMIT ?${this.#lock}`,
      [now, limit],
    );
    return rows.map(toJob);
  }

  async assignments(jobId: string): Promise<Assignment[]> {
    const rows = await this.#sql.all("SELECT * FROM assignments WHERE job_id = ? ORDER BY leased_at, id", [jobId]);
    return rows.map(toAssignment);
  }

  async insertAssignment(assignment: Assignment): Promise<void> {
    await this.#write(insertAssignmentSql, assignmentValues(assignment));
  }

  async updateAssignment(assignment: Assignment): Promise<void> {
    const [id, ...rest] = assignmentValues(assignment);
    await this.#write(updateAssignmentSql, [...rest, id ?? null]);
  }

  async liveAssignmentsOf(minerId: string): Promise<Assignment[]> {
    const rows = await this.#sql.all(
      "SELECT * FROM assignments WHERE miner_id = ? AND state = 'LEASED' ORDER BY leased_at, id",
      [minerId],
    );
    return rows.map(toAssignment);
  }

  async expiredLeases(now: number, limit: number): Promise<Assignment[]> {
    const rows = await this.#sql.all(
      "SELECT * FROM assignments WHERE state = 'LEASED' AND lease_expires_at <= ? ORDER BY lease_expires_at LIMIT ?",
      [now, limit],
    );
    return rows.map(toAssignment);
  }

  async balance(account: string): Promise<number> {
    const row = await this.#sql.get("SELECT balance FROM wallets WHERE address = ?", [account]);
    return addAmounts(row ? num(row.balance) : 0, this.#deltas.get(account) ?? 0);
  }

  async applyTransfer(transfer: Transfer): Promise<string> {
    const id = randomUUID();
    if (transfer.postings.length === 0) return id;
    const rows = transfer.postings.map(() => "(?, ?, ?, ?, ?, ?)").join(", ");
    await this.#write(
      `INSERT INTO postings (transfer_id, kind, job_id, account, amount, at) VALUES ${rows}`,
      transfer.postings.flatMap((posting) => [
        id,
        transfer.kind,
        transfer.jobId,
        posting.account,
        posting.amount,
        this.now,
      ]),
    );
    for (const posting of transfer.postings) {
      this.#deltas.set(posting.account, addAmounts(this.#deltas.get(posting.account) ?? 0, posting.amount));
    }
    return id;
  }

  /**
   * Writes what this transaction deferred: each touched account's cached balance once (in address
   * order), and the job_ledger index rows. Runs inside the transaction, just before COMMIT, so the
   * cached balances always equal the sum of the postings committed with them (audit() checks).
   */
  async flush(): Promise<void> {
    for (const account of [...this.#deltas.keys()].sort()) {
      await this.#sql.run(
        `INSERT INTO wallets (address, balance, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET balance = wallets.balance + excluded.balance, updated_at = excluded.updated_at`,
        [account, this.#deltas.get(account) ?? 0, this.now],
      );
    }
    this.#deltas.clear();
    for (let start = 0; start < this.#jobRecords.length; start += 200) {
      const chunk = this.#jobRecords.slice(start, start + 200);
      await this.#sql.run(
        `INSERT INTO job_ledger (job_id, seq, type) VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")}`,
        chunk.flat(),
      );
    }
    this.#jobRecords.length = 0;
  }

  async idempotency(keyId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.#sql.get(
      "SELECT request_hash, status, response FROM idempotency WHERE key_id = ? AND idem_key = ?",
      [keyId, idempotencyKey],
    );
    if (!row) return undefined;
    return { requestHash: str(row.request_hash), status: num(row.status), response: JSON.parse(str(row.response)) };
  }

  async putIdempotency(keyId: string, idempotencyKey: string, record: IdempotencyRecord): Promise<void> {
    await this.#write(
      "INSERT INTO idempotency (key_id, idem_key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [keyId, idempotencyKey, record.requestHash, record.status, JSON.stringify(record.response), this.now],
    );
  }

  async deleteIdempotencyBefore(before: number): Promise<number> {
    return this.#write("DELETE FROM idempotency WHERE created_at < ?", [before]);
  }

  async insertReceipt(jobId: string, signed: SignedReceipt): Promise<void> {
    await this.#write(
      "INSERT INTO receipts (receipt_id, job_id, miner_id, signed, created_at) VALUES (?, ?, ?, ?, ?)",
      [signed.receipt.receipt_id, jobId, signed.receipt.miner_id, JSON.stringify(signed), this.now],
    );
  }

  async record(type: string, body: JsonValue): Promise<number> {
    this.writes++;
    const seq = await this.#append(type, body, new Date(this.now));
    const jobId = body !== null && typeof body === "object" && !Array.isArray(body) ? body.job_id : undefined;
    if (typeof jobId === "string") this.#jobRecords.push([jobId, seq, type]);
    return seq;
  }

  emit(event: JobEvent): void {
    this.events.push(event);
  }
}
