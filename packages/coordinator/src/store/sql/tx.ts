// The transaction an op runs in, for both stores: the Tx contract in the SQL both dialects share.
// The store that opens it supplies the connection (inside BEGIN) and the ledger.
//
// One of these spans a whole group-commit batch, so it keeps what the batch touches in memory:
//  - Jobs, their assignments and miners are read once (or preloaded for the whole batch from the
//    ops' hints) and then served from memory; changes to them are kept as the latest row version
//    and written with a few multi-row upserts, before any query that scans those tables and at
//    commit. A job submitted, leased and proved in one batch is written once.
//  - Postings, receipts, the job_ledger index, cached balances and ledger records are only ever
//    written here, so they are all written at commit (ledger records in one batch append; their
//    seqs are handed out as they are recorded, from the partition size read once).
// Reads therefore always see this transaction's own writes, as the Tx contract says.
import type { PreparedLedgerEntry } from "@pithead/ledger";
import { prepareLedgerEntry } from "@pithead/ledger";
import { timeOrderedId } from "../../core/ids.ts";
import type { ApiKeyRecord, Assignment, Job, JsonValue, Miner, Transfer } from "../../core/model.ts";
import { addAmounts, walletAccount } from "../../core/money.ts";
import type { SignedReceipt } from "../../core/receipt.ts";
import {
  assignmentColumnNames,
  assignmentValues,
  jobColumnNames,
  jobMutableColumnNames,
  jobValues,
  keyColumnNames,
  keyValues,
  minerColumnNames,
  minerValues,
  num,
  type Row,
  str,
  toAssignment,
  toIdempotency,
  toJob,
  toKey,
  toMiner,
} from "../rows.ts";
import type { CandidatePage, ClaimQuery, IdempotencyRecord, JobEvent, Tx, WriteHints } from "../types.ts";
import { type RowSet, selectIn, writeMany } from "./bulk.ts";
import { claimCandidatesSql } from "./claim-candidates.ts";
import { placeholders, type Sql, type SqlParam } from "./sql.ts";

/** The coordinator's ledger partition, as seen from inside the open transaction. */
export interface TxLedger {
  /** Records in the partition now: the seq of the next one. */
  size(): Promise<number>;
  /** Appends `entries`, the first of which must get seq `firstSeq`. */
  append(entries: readonly PreparedLedgerEntry[], firstSeq: number): Promise<void>;
}

/**
 * The seq of the next job this transaction inserts (queue order): SQLite counts on from MAX(seq)
 * (one writer at a time), PostgreSQL draws from the jobs sequence in blocks.
 */
export type NextSeq = () => Promise<number>;

/** Inserts new rows and rewrites the `changing` columns of existing ones, in one statement. */
const upsert = (table: string, columns: readonly string[], key: string, changing: readonly string[]) => ({
  table,
  columns,
  tail: ` ON CONFLICT (${key}) DO UPDATE SET ${changing.map((column) => `${column} = excluded.${column}`).join(", ")}`,
});

const jobUpsert = upsert("jobs", ["seq", ...jobColumnNames], "id", jobMutableColumnNames);
const assignmentUpsert = upsert("assignments", assignmentColumnNames, "id", assignmentColumnNames.slice(1));
const minerUpsert = upsert("miners", minerColumnNames, "id", minerColumnNames.slice(1));
const walletUpsert = {
  table: "wallets",
  columns: ["address", "balance", "updated_at"],
  tail: " ON CONFLICT (address) DO UPDATE SET balance = wallets.balance + excluded.balance, updated_at = excluded.updated_at",
};
const insertKeySql = `INSERT INTO api_keys (${keyColumnNames.join(", ")}) VALUES (${placeholders(keyColumnNames.length)})`;
const updateKeySql = `UPDATE api_keys SET ${keyColumnNames
  .slice(1)
  .map((column) => `${column} = ?`)
  .join(", ")} WHERE id = ?`;

/**
 * What a query reads: the tables whose changes it must see (assignments imply jobs, which they refer
 * to). "leases" reads the assignments table alone: only changed assignments need writing first (a
 * job inserted in memory is no one's lease yet), which spares a submit's batch a round trip.
 */
type Scanned = "jobs" | "assignments" | "leases" | "miners" | "all" | "none";

/** A candidate page read ahead (see WriteHints.candidates), valid until the transaction writes rows. */
interface ReadAhead {
  page: CandidatePage;
  rows: Row[];
}

const sameWorkloads = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((workload, index) => workload === b[index]);

const byLeaseOrder = (a: Assignment, b: Assignment) =>
  a.leasedAt - b.leasedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class SqlTx implements Tx {
  readonly now: number;
  readonly #sql: Sql;
  readonly #ledger: TxLedger;
  readonly #nextSeq: NextSeq;
  readonly #bool: (value: boolean) => SqlParam;
  writes = 0;
  events: JobEvent[] = [];

  /** Every job this transaction has read or written, as it is now. */
  readonly #jobs = new Map<string, Job>();
  /** Assignment lists of jobs whose every assignment is in memory. */
  readonly #assignments = new Map<string, Assignment[]>();
  readonly #miners = new Map<string, Miner>();
  /** Rows changed in memory and not written yet. */
  readonly #dirtyJobs = new Set<string>();
  readonly #dirtyAssignments = new Map<string, Assignment>();
  /** Jobs with an assignment changed in memory but no list loaded (the list must be read after a write). */
  readonly #dirtyAssignmentJobs = new Set<string>();
  /** Jobs inserted in memory and not written yet (claim candidates the table cannot return). */
  readonly #newJobs = new Set<string>();
  /** Leases each miner holds, as of now in this transaction, once counted. */
  readonly #inFlight = new Map<string, number>();
  readonly #dirtyMiners = new Set<string>();
  /** First candidate pages read ahead, by miner (dropped as soon as rows are written). */
  readonly #readAhead = new Map<string, ReadAhead>();
  /** Row writes sent so far (a page read ahead before the latest one may be out of date). */
  #rowWrites = 0;

  /** Balances as committed before this transaction, and its changes to them. */
  readonly #balances = new Map<string, number>();
  readonly #deltas = new Map<string, number>();
  readonly #postings: SqlParam[][] = [];
  readonly #receipts: SqlParam[][] = [];
  readonly #jobRecords: SqlParam[][] = [];
  #ledgerBase: number | undefined;
  readonly #ledgerEntries: PreparedLedgerEntry[] = [];

  constructor(sql: Sql, ledger: TxLedger, nextSeq: NextSeq, now: number) {
    this.#sql = sql;
    this.#ledger = ledger;
    this.#nextSeq = nextSeq;
    this.now = now;
    this.#bool = sql.dialect === "sqlite" ? (value) => (value ? 1 : 0) : (value) => value;
  }

  /**
   * Loads the hinted jobs (with their assignments), miners and balances not in memory yet, one query
   * per table. The queries do not wait for each other: on PostgreSQL's pipelined connection they
   * share one round trip (with BEGIN, when the store starts the load there).
   */
  async preload(hints: WriteHints): Promise<void> {
    const jobIds = (hints.jobIds ?? []).filter((id) => !this.#jobs.has(id));
    const minerIds = (hints.minerIds ?? []).filter((id) => !this.#miners.has(id));
    const uncounted = (hints.minerIds ?? []).filter((id) => !this.#inFlight.has(id));
    const wallets = [...new Set(hints.wallets ?? [])].filter((address) => !this.#balances.has(address));
    const loads: Promise<void>[] = [];
    // Jobs not in memory have no changes waiting: no write is needed before reading them. Their
    // assignments are read by the same ids (none come back for a job that does not exist).
    if (jobIds.length > 0) {
      const jobs = selectIn(this.#sql, "SELECT * FROM jobs WHERE id", jobIds);
      const assignments = selectIn(this.#sql, "SELECT * FROM assignments WHERE job_id", jobIds);
      loads.push(
        Promise.all([jobs, assignments]).then(([jobRows, assignmentRows]) => {
          for (const job of jobRows.map(toJob)) {
            this.#jobs.set(job.id, job);
            this.#assignments.set(job.id, []);
          }
          for (const assignment of assignmentRows.map(toAssignment)) {
            this.#assignments.get(assignment.jobId)?.push(assignment);
          }
          for (const id of jobIds) this.#assignments.get(id)?.sort(byLeaseOrder);
        }),
      );
    }
    // The miners, with the leases each holds (counted once this transaction's changes are written).
    const wanted = [...new Set([...minerIds, ...uncounted])];
    if (wanted.length > 0) loads.push(this.#loadMiners(wanted, uncounted));
    if (wallets.length > 0) {
      loads.push(
        selectIn(this.#sql, "SELECT address, balance FROM wallets WHERE address", wallets).then((rows) => {
          for (const row of rows) this.#balances.set(str(row.address), num(row.balance));
          for (const address of wallets) if (!this.#balances.has(address)) this.#balances.set(address, 0);
        }),
      );
    }
    const written = this.#rowWrites;
    for (const page of hints.candidates ?? []) {
      if (page.workloads.length === 0 || page.limit <= 0 || this.#readAhead.has(page.minerId)) continue;
      const { sql, params } = claimCandidatesSql({ ...page, now: this.now, afterSeq: 0 });
      loads.push(
        this.#sql.all(sql, params).then((rows) => {
          // A write sent after this read would have made the page out of date (none is expected here).
          if (this.#rowWrites === written) this.#readAhead.set(page.minerId, { page, rows });
        }),
      );
    }
    await Promise.all(loads);
  }

  async #loadMiners(wanted: readonly string[], uncounted: readonly string[]): Promise<void> {
    if (uncounted.length > 0) await this.#writeChanged("leases");
    const rows = await selectIn(
      this.#sql,
      `SELECT m.*, (SELECT COUNT(*) FROM assignments a WHERE a.miner_id = m.id AND a.state = 'LEASED') AS leases_held
       FROM miners m WHERE m.id`,
      wanted,
    );
    for (const row of rows) {
      const miner = toMiner(row);
      if (!this.#miners.has(miner.id)) this.#miners.set(miner.id, miner);
      if (!this.#inFlight.has(miner.id)) this.#inFlight.set(miner.id, num(row.leases_held));
    }
    // An unregistered miner holds no lease.
    for (const id of uncounted) if (!this.#inFlight.has(id)) this.#inFlight.set(id, 0);
  }

  /**
   * Runs a query that scans `tables`: the changes to them kept in memory are written first. (A
   * lookup by id needs no such care: a changed job or miner is always in memory, so a lookup that
   * misses it finds the row as committed.)
   */
  async #query(tables: Exclude<Scanned, "none">, sql: string, params: readonly SqlParam[]): Promise<Row[]> {
    await this.#writeChanged(tables);
    return this.#sql.all(sql, params);
  }

  /** Writes the rows changed in memory (jobs before assignments, which refer to them). */
  async #writeChanged(tables: Exclude<Scanned, "none"> = "all"): Promise<void> {
    if (tables === "leases" && this.#dirtyAssignments.size === 0) return;
    const sets = this.#changedRows(tables === "leases" ? "assignments" : tables);
    if (sets.length > 0) await writeMany(this.#sql, sets);
  }

  /** The changed rows of `tables` to write, taken out of the dirty sets. */
  #changedRows(tables: Exclude<Scanned, "none" | "leases">): RowSet[] {
    const sets: RowSet[] = [];
    if (tables !== "miners" && this.#dirtyJobs.size > 0) {
      const jobs = [...this.#dirtyJobs].map((id) => this.#jobs.get(id)).filter((job) => job !== undefined);
      jobs.sort((a, b) => a.seq - b.seq);
      this.#dirtyJobs.clear();
      this.#newJobs.clear();
      sets.push({ ...jobUpsert, rows: jobs.map((job) => [job.seq, ...jobValues(job)]) });
    }
    if ((tables === "assignments" || tables === "all") && this.#dirtyAssignments.size > 0) {
      const rows = [...this.#dirtyAssignments.values()].map((assignment) => assignmentValues(assignment));
      this.#dirtyAssignments.clear();
      this.#dirtyAssignmentJobs.clear();
      sets.push({ ...assignmentUpsert, rows });
    }
    if ((tables === "miners" || tables === "all") && this.#dirtyMiners.size > 0) {
      const rows = [...this.#dirtyMiners].flatMap((id) => {
        const miner = this.#miners.get(id);
        return miner ? [minerValues(miner, this.#bool)] : [];
      });
      this.#dirtyMiners.clear();
      sets.push({ ...minerUpsert, rows });
    }
    if (sets.length > 0) {
      this.#rowWrites++;
      this.#readAhead.clear();
    }
    return sets;
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

  async walletOfOtherKey(wallet: string, keyId: string): Promise<boolean> {
    // The third part is the payout history: a wallet another key's miner was paid into stays that
    // key's after its miner moved to another wallet (what is left in it is not for anyone naming it).
    const rows = await this.#query(
      "miners",
      `SELECT 1 AS found FROM miners WHERE wallet = ? AND key_id <> ?
       UNION ALL
       SELECT 1 AS found FROM api_keys WHERE role = 'miner' AND wallet = ? AND id <> ?
       UNION ALL
       SELECT 1 AS found FROM postings p
         JOIN assignments a ON a.job_id = p.job_id AND a.wallet = ?
         JOIN miners m ON m.id = a.miner_id
         WHERE p.account = ? AND p.kind = 'payout' AND p.amount > 0 AND m.key_id <> ?
       LIMIT 1`,
      [wallet, keyId, wallet, keyId, wallet, walletAccount(wallet), keyId],
    );
    return rows.length > 0;
  }

  async clientKeyWallet(wallet: string): Promise<boolean> {
    const row = await this.#sql.get("SELECT 1 AS found FROM api_keys WHERE role = 'client' AND wallet = ? LIMIT 1", [
      wallet,
    ]);
    return row !== undefined;
  }

  async insertKey(key: ApiKeyRecord): Promise<void> {
    this.writes++;
    await this.#sql.run(insertKeySql, keyValues(key));
  }

  async updateKey(key: ApiKeyRecord): Promise<void> {
    this.writes++;
    const [id, ...rest] = keyValues(key);
    await this.#sql.run(updateKeySql, [...rest, id ?? null]);
  }

  async miner(id: string): Promise<Miner | undefined> {
    const cached = this.#miners.get(id);
    if (cached) return cached;
    const row = await this.#sql.get("SELECT * FROM miners WHERE id = ?", [id]);
    if (!row) return undefined;
    const miner = toMiner(row);
    this.#miners.set(id, miner);
    return miner;
  }

  async insertMiner(miner: Miner): Promise<void> {
    this.#setMiner(miner);
  }

  async updateMiner(miner: Miner): Promise<void> {
    this.#setMiner(miner);
  }

  #setMiner(miner: Miner): void {
    this.writes++;
    this.#miners.set(miner.id, miner);
    this.#dirtyMiners.add(miner.id);
  }

  async adjustReputation(minerId: string, delta: number, min: number, max: number): Promise<void> {
    const miner = await this.miner(minerId);
    if (!miner) return;
    this.#setMiner({ ...miner, reputation: Math.min(max, Math.max(min, miner.reputation + delta)) });
  }

  async staleMiners(before: number, limit: number): Promise<Miner[]> {
    const rows = await this.#query(
      "miners",
      "SELECT * FROM miners WHERE online = ? AND last_seen_at < ? ORDER BY last_seen_at LIMIT ?",
      [this.#bool(true), before, limit],
    );
    return rows.map((row) => this.#cacheMiner(toMiner(row)));
  }

  #cacheMiner(miner: Miner): Miner {
    // Nothing is dirty after a query, so the row read is the row in memory.
    this.#miners.set(miner.id, miner);
    return miner;
  }

  async inFlight(minerId: string): Promise<number> {
    const counted = this.#inFlight.get(minerId);
    if (counted !== undefined) return counted;
    const [row] = await this.#query(
      "leases",
      "SELECT COUNT(*) AS n FROM assignments WHERE miner_id = ? AND state = 'LEASED'",
      [minerId],
    );
    const count = num(row?.n);
    this.#inFlight.set(minerId, count);
    return count;
  }

  /** Keeps a miner's count of leases in flight up to date; an unknown earlier state means count again. */
  #countLease(before: Assignment | undefined | null, after: Assignment): void {
    const count = this.#inFlight.get(after.minerId);
    if (count === undefined) return;
    if (before === null) {
      this.#inFlight.delete(after.minerId);
      return;
    }
    const was = before?.state === "LEASED" ? 1 : 0;
    const is = after.state === "LEASED" ? 1 : 0;
    this.#inFlight.set(after.minerId, count - was + is);
  }

  async job(id: string): Promise<Job | undefined> {
    const cached = this.#jobs.get(id);
    if (cached) return cached;
    const row = await this.#sql.get("SELECT * FROM jobs WHERE id = ?", [id]);
    return row ? this.#cacheJob(toJob(row)) : undefined;
  }

  #cacheJob(job: Job): Job {
    this.#jobs.set(job.id, job);
    return job;
  }

  async insertJob(job: Omit<Job, "seq">): Promise<Job> {
    const saved: Job = { ...job, seq: await this.#nextSeq() };
    this.writes++;
    this.#jobs.set(saved.id, saved);
    this.#assignments.set(saved.id, []);
    this.#dirtyJobs.add(saved.id);
    this.#newJobs.add(saved.id);
    return saved;
  }

  async updateJob(job: Job): Promise<void> {
    this.writes++;
    this.#jobs.set(job.id, job);
    this.#dirtyJobs.add(job.id);
  }

  /**
   * The table's candidates, corrected by this transaction's changes (no write needed first: a claim
   * after a claim in one batch mostly costs one query): a job changed in memory is judged as it is
   * now, and jobs inserted in memory join at the end of the queue. A page spoilt by jobs this batch
   * took has the changes written, so the next pages are exact. (A job whose replica reopened in
   * memory may be missed until it is written: claimable from the next batch on.)
   */
  async claimCandidates(query: ClaimQuery): Promise<Job[]> {
    if (query.workloads.length === 0 || query.limit <= 0) return [];
    const out: Job[] = [];
    let afterSeq = query.afterSeq;
    let written = false;
    for (let page = 0; page < 8 && out.length < query.limit; page++) {
      const rows = (page === 0 && this.#readAheadPage(query)) || (await this.#candidatePage(query, afterSeq));
      let dropped = 0;
      for (const row of rows) {
        const fresh = toJob(row);
        afterSeq = fresh.seq;
        const job = this.#jobs.get(fresh.id) ?? this.#cacheJob(fresh);
        if (this.#mayClaim(job, query)) out.push(job);
        else if (this.#dirtyJobs.has(job.id)) dropped++;
      }
      if (rows.length < query.limit) break;
      // Pages full of jobs this batch already took: write the changes, so later pages skip them.
      if (dropped > 0 && !written) {
        written = true;
        await this.#writeChanged("assignments");
      }
    }
    for (const id of this.#newJobs) {
      const job = this.#jobs.get(id);
      if (job && job.seq > query.afterSeq && !out.includes(job) && this.#mayClaim(job, query)) out.push(job);
    }
    out.sort((a, b) => a.seq - b.seq);
    return out.slice(0, query.limit);
  }

  async #candidatePage(query: ClaimQuery, afterSeq: number): Promise<Row[]> {
    const { sql, params } = claimCandidatesSql({ ...query, afterSeq });
    return this.#sql.all(sql, params);
  }

  /**
   * The query's first page from a page read ahead for the same miner, wallet and workloads (the
   * first `limit` rows of a longer page in seq order are the shorter page), if there is one.
   */
  #readAheadPage(query: ClaimQuery): Row[] | undefined {
    const ahead = this.#readAhead.get(query.minerId);
    if (!ahead || query.afterSeq !== 0) return undefined;
    const { page } = ahead;
    if (page.wallet !== query.wallet || page.limit < query.limit || !sameWorkloads(page.workloads, query.workloads)) {
      return undefined;
    }
    return ahead.rows.slice(0, query.limit);
  }

  /** The claim query's conditions, on the job and assignments as they are in this transaction. */
  #mayClaim(job: Job, query: ClaimQuery): boolean {
    if (job.openSlots <= 0 || !query.workloads.includes(job.workload)) return false;
    if (job.startBy !== null && job.startBy <= query.now) return false;
    const known =
      this.#assignments.get(job.id) ?? [...this.#dirtyAssignments.values()].filter((a) => a.jobId === job.id);
    return !known.some(
      (a) =>
        (a.minerId === query.minerId && a.state !== "EXPIRED") ||
        (a.wallet === query.wallet && (a.state === "LEASED" || a.state === "PROVED")),
    );
  }

  async overdueJobs(now: number, limit: number): Promise<Job[]> {
    const rows = await this.#query(
      "jobs",
      "SELECT * FROM jobs WHERE open_slots > 0 AND start_by <= ? ORDER BY start_by LIMIT ?",
      [now, limit],
    );
    return rows.map((row) => this.#cacheJob(toJob(row)));
  }

  async assignments(jobId: string): Promise<Assignment[]> {
    const cached = this.#assignments.get(jobId);
    if (cached) return [...cached];
    // Assignments written in memory for a job whose list is not loaded must reach the table first.
    if (this.#dirtyAssignmentJobs.has(jobId)) await this.#writeChanged("assignments");
    const rows = await this.#sql.all("SELECT * FROM assignments WHERE job_id = ?", [jobId]);
    // Sorted here, not by the database, so loaded and preloaded lists agree on the order of ties.
    const list = rows.map(toAssignment).sort(byLeaseOrder);
    this.#assignments.set(jobId, list);
    return [...list];
  }

  async insertAssignment(assignment: Assignment): Promise<void> {
    this.writes++;
    // A job whose list is not in memory reads it from the database later, after this is written.
    const list = this.#assignments.get(assignment.jobId);
    if (list) {
      list.push(assignment);
      list.sort(byLeaseOrder);
    } else {
      this.#dirtyAssignmentJobs.add(assignment.jobId);
    }
    this.#countLease(undefined, assignment);
    this.#dirtyAssignments.set(assignment.id, assignment);
  }

  async updateAssignment(assignment: Assignment): Promise<void> {
    this.writes++;
    const list = this.#assignments.get(assignment.jobId);
    const index = list ? list.findIndex((row) => row.id === assignment.id) : -1;
    this.#countLease(
      list && index >= 0 ? list[index] : (this.#dirtyAssignments.get(assignment.id) ?? null),
      assignment,
    );
    if (list) {
      if (index >= 0) list[index] = assignment;
    } else {
      this.#dirtyAssignmentJobs.add(assignment.jobId);
    }
    this.#dirtyAssignments.set(assignment.id, assignment);
  }

  async liveAssignmentsOf(minerId: string): Promise<Assignment[]> {
    const rows = await this.#query(
      "leases",
      "SELECT * FROM assignments WHERE miner_id = ? AND state = 'LEASED' ORDER BY leased_at, id",
      [minerId],
    );
    return rows.map(toAssignment);
  }

  async expiredLeases(now: number, limit: number): Promise<Assignment[]> {
    const rows = await this.#query(
      "leases",
      "SELECT * FROM assignments WHERE state = 'LEASED' AND lease_expires_at <= ? ORDER BY lease_expires_at LIMIT ?",
      [now, limit],
    );
    return rows.map(toAssignment);
  }

  async balance(account: string): Promise<number> {
    let committed = this.#balances.get(account);
    if (committed === undefined) {
      const row = await this.#sql.get("SELECT balance FROM wallets WHERE address = ?", [account]);
      committed = row ? num(row.balance) : 0;
      this.#balances.set(account, committed);
    }
    return addAmounts(committed, this.#deltas.get(account) ?? 0);
  }

  async applyTransfer(transfer: Transfer): Promise<string> {
    const id = timeOrderedId();
    if (transfer.postings.length === 0) return id;
    this.writes++;
    for (const posting of transfer.postings) {
      this.#postings.push([id, transfer.kind, transfer.jobId, posting.account, posting.amount, this.now]);
      this.#deltas.set(posting.account, addAmounts(this.#deltas.get(posting.account) ?? 0, posting.amount));
    }
    return id;
  }

  /**
   * Takes everything this transaction kept in memory, to be written just before COMMIT: changed
   * rows, postings and each touched account's cached balance once (in address order, so the cached
   * balances always equal the sum of the postings committed with them — audit() checks), receipts,
   * the job_ledger index, and the ledger records (for one batch append at `firstSeq`).
   */
  takeWrites(): { sets: RowSet[]; entries: PreparedLedgerEntry[]; firstSeq: number | undefined } {
    const sets = this.#changedRows("all");
    sets.push({
      table: "postings",
      columns: ["transfer_id", "kind", "job_id", "account", "amount", "at"],
      rows: this.#postings.splice(0),
    });
    const accounts = [...this.#deltas.keys()].sort();
    sets.push({
      ...walletUpsert,
      rows: accounts.map((account) => [account, this.#deltas.get(account) ?? 0, this.now]),
    });
    this.#deltas.clear();
    sets.push({
      table: "receipts",
      columns: ["receipt_id", "job_id", "miner_id", "signed", "created_at"],
      rows: this.#receipts.splice(0),
    });
    sets.push({ table: "job_ledger", columns: ["job_id", "seq", "type"], rows: this.#jobRecords.splice(0) });
    return { sets, entries: this.#ledgerEntries.splice(0), firstSeq: this.#ledgerBase };
  }

  /**
   * Writes what takeWrites takes. `closing` joins the write as its final SELECT list (PostgreSQL's
   * NOTIFY of the job events: delivered on commit).
   */
  async flush(closing?: { select: string; params: SqlParam[] }): Promise<void> {
    const { sets, entries, firstSeq } = this.takeWrites();
    // One statement on PostgreSQL: every table, and the closing SELECT.
    await writeMany(this.#sql, sets, closing);
    if (entries.length > 0 && firstSeq !== undefined) await this.#ledger.append(entries, firstSeq);
  }

  async idempotency(keyId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.#sql.get(
      "SELECT request_hash, status, response FROM idempotency WHERE key_id = ? AND idem_key = ?",
      [keyId, idempotencyKey],
    );
    return row ? toIdempotency(row) : undefined;
  }

  async putIdempotency(keyId: string, idempotencyKey: string, record: IdempotencyRecord): Promise<void> {
    this.writes++;
    await this.#sql.run(
      "INSERT INTO idempotency (key_id, idem_key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [keyId, idempotencyKey, record.requestHash, record.status, JSON.stringify(record.response), this.now],
    );
  }

  async deleteIdempotencyBefore(before: number): Promise<number> {
    this.writes++;
    return this.#sql.run("DELETE FROM idempotency WHERE created_at < ?", [before]);
  }

  async jobsKeepingOutputsEndedBefore(before: number, limit: number): Promise<string[]> {
    const rows = await this.#query(
      "jobs",
      `SELECT id FROM jobs WHERE finished_at IS NOT NULL AND output_removed_at IS NULL AND finished_at < ?
       ORDER BY finished_at LIMIT ?`,
      [before, limit],
    );
    return rows.map((row) => str(row.id));
  }

  async removeOutputs(jobIds: readonly string[]): Promise<{ jobIds: string[]; outputs: number }> {
    if (jobIds.length === 0) return { jobIds: [], outputs: 0 };
    // Changes waiting in memory go first, and the cached rows go: none may write an output back.
    await this.#writeChanged("all");
    for (const id of jobIds) {
      this.#jobs.delete(id);
      this.#assignments.delete(id);
    }
    this.writes++;
    // Only the jobs this transaction marks: another coordinator process sweeping the same rows
    // (PostgreSQL) waits for ours and then finds them marked, so no job is reported twice.
    const marked = (
      await this.#sql.all(
        `UPDATE jobs SET output_removed_at = ? WHERE output_removed_at IS NULL AND id IN (${placeholders(jobIds.length)})
         RETURNING id`,
        [this.now, ...jobIds],
      )
    ).map((row) => str(row.id));
    if (marked.length === 0) return { jobIds: [], outputs: 0 };
    const cleared = await this.#sql.all(
      `UPDATE assignments SET output = NULL WHERE output IS NOT NULL AND job_id IN (${placeholders(marked.length)})
       RETURNING job_id`,
      marked,
    );
    const had = new Set(cleared.map((row) => str(row.job_id)));
    return { jobIds: marked.filter((id) => had.has(id)), outputs: cleared.length };
  }

  async insertReceipt(jobId: string, signed: SignedReceipt): Promise<void> {
    this.writes++;
    this.#receipts.push([signed.receipt.receipt_id, jobId, signed.receipt.miner_id, JSON.stringify(signed), this.now]);
  }

  async record(type: string, body: JsonValue): Promise<number> {
    // Validated (and made canonical) now, so a bad record fails its own op, not the commit.
    const entry = prepareLedgerEntry(type, body, new Date(this.now));
    this.#ledgerBase ??= await this.#ledger.size();
    const seq = this.#ledgerBase + this.#ledgerEntries.length;
    this.writes++;
    this.#ledgerEntries.push(entry);
    const jobId = body !== null && typeof body === "object" && !Array.isArray(body) ? body.job_id : undefined;
    if (typeof jobId === "string") this.#jobRecords.push([jobId, seq, type]);
    return seq;
  }

  emit(event: JobEvent): void {
    this.events.push(event);
  }
}
