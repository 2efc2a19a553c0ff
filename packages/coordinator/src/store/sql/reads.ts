// Reads outside the write transactions, in the SQL both stores share. On SQLite they use their own
// connection, on PostgreSQL the pool: either way they see committed state only.
import { type ApiKeyRecord, type Assignment, accounts, type Job, jobStates, type Miner } from "../../core/model.ts";
import { feeFor } from "../../core/money.ts";
import type { SignedReceipt } from "../../core/receipt.ts";
import { num, type Row, str, strOrNull, toAssignment, toIdempotency, toJob, toKey, toMiner } from "../rows.ts";
import type {
  AuditReport,
  IdempotencyRecord,
  JobListQuery,
  MinerView,
  PostingView,
  Stats,
  StoreReads,
  WalletView,
} from "../types.ts";
import { selectIn } from "./bulk.ts";
import { placeholders, type Sql, type SqlParam } from "./sql.ts";

function toWallet(row: Row): WalletView {
  return { address: str(row.address), balance: num(row.balance), updatedAt: num(row.updated_at) };
}

export class SqlReads implements StoreReads {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async #count(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return num((await this.#sql.get(sql, params))?.n ?? 0);
  }

  async ping(): Promise<void> {
    await this.#sql.get("SELECT 1 AS ok");
  }

  async keyById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#sql.get("SELECT * FROM api_keys WHERE id = ?", [id]);
    return row ? toKey(row) : undefined;
  }

  async keyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#sql.get("SELECT * FROM api_keys WHERE hash = ?", [hash]);
    return row ? toKey(row) : undefined;
  }

  async keys(): Promise<ApiKeyRecord[]> {
    return (await this.#sql.all("SELECT * FROM api_keys ORDER BY created_at, id")).map(toKey);
  }

  async clientWallet(address: string): Promise<boolean> {
    const row = await this.#sql.get("SELECT 1 AS found FROM api_keys WHERE role = 'client' AND wallet = ? LIMIT 1", [
      address,
    ]);
    return row !== undefined;
  }

  async boundWallet(address: string): Promise<boolean> {
    const row = await this.#sql.get("SELECT 1 AS found FROM api_keys WHERE role = 'miner' AND wallet = ? LIMIT 1", [
      address,
    ]);
    return row !== undefined;
  }

  async activeKeys(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await selectIn(this.#sql, "SELECT id FROM api_keys WHERE revoked_at IS NULL AND id", ids);
    return new Set(rows.map((row) => str(row.id)));
  }

  async job(id: string): Promise<Job | undefined> {
    const row = await this.#sql.get("SELECT * FROM jobs WHERE id = ?", [id]);
    return row ? toJob(row) : undefined;
  }

  async jobs(query: JobListQuery): Promise<Job[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (query.clientKeyId !== undefined) {
      where.push("client_key_id = ?");
      params.push(query.clientKeyId);
    }
    if (query.state !== undefined) {
      where.push("state = ?");
      params.push(query.state);
    }
    if (query.workload !== undefined) {
      where.push("workload = ?");
      params.push(query.workload);
    }
    if (query.beforeSeq !== undefined) {
      where.push("seq < ?");
      params.push(query.beforeSeq);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    return (
      await this.#sql.all(`SELECT * FROM jobs ${filter} ORDER BY seq DESC LIMIT ?`, [...params, query.limit])
    ).map(toJob);
  }

  async assignments(jobId: string): Promise<Assignment[]> {
    return (await this.#sql.all("SELECT * FROM assignments WHERE job_id = ? ORDER BY leased_at, id", [jobId])).map(
      toAssignment,
    );
  }

  async receipts(jobId: string): Promise<SignedReceipt[]> {
    const rows = await this.#sql.all("SELECT signed FROM receipts WHERE job_id = ? ORDER BY created_at, receipt_id", [
      jobId,
    ]);
    return rows.map((row) => JSON.parse(str(row.signed)) as SignedReceipt);
  }

  async jobLedgerSeqs(jobId: string): Promise<number[]> {
    const rows = await this.#sql.all("SELECT seq FROM job_ledger WHERE job_id = ? ORDER BY seq", [jobId]);
    return rows.map((row) => num(row.seq));
  }

  async miner(id: string): Promise<Miner | undefined> {
    const row = await this.#sql.get("SELECT * FROM miners WHERE id = ?", [id]);
    return row ? toMiner(row) : undefined;
  }

  async miners(limit: number, after?: string): Promise<MinerView[]> {
    const rows = await this.#sql.all(
      `SELECT m.*, (SELECT COUNT(*) FROM assignments a WHERE a.miner_id = m.id AND a.state = 'LEASED') AS in_flight
       FROM miners m WHERE m.id > ? ORDER BY m.id LIMIT ?`,
      [after ?? "", limit],
    );
    return rows.map((row) => ({ ...toMiner(row), inFlight: num(row.in_flight) }));
  }

  async inFlight(minerId: string): Promise<number> {
    return this.#count("SELECT COUNT(*) AS n FROM assignments WHERE miner_id = ? AND state = 'LEASED'", [minerId]);
  }

  async idempotency(keyId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.#sql.get(
      "SELECT request_hash, status, response FROM idempotency WHERE key_id = ? AND idem_key = ?",
      [keyId, idempotencyKey],
    );
    return row ? toIdempotency(row) : undefined;
  }

  async claimableExists(workloads: readonly string[], now: number): Promise<boolean> {
    if (workloads.length === 0) return false;
    const row = await this.#sql.get(
      `SELECT 1 AS found FROM jobs WHERE open_slots > 0 AND workload IN (${placeholders(workloads.length)})
         AND (start_by IS NULL OR start_by > ?) LIMIT 1`,
      [...workloads, now],
    );
    return row !== undefined;
  }

  async wallet(address: string): Promise<WalletView | undefined> {
    const row = await this.#sql.get("SELECT * FROM wallets WHERE address = ?", [address]);
    return row ? toWallet(row) : undefined;
  }

  async wallets(limit: number, after?: string): Promise<WalletView[]> {
    const rows = await this.#sql.all("SELECT * FROM wallets WHERE address > ? ORDER BY address LIMIT ?", [
      after ?? "",
      limit,
    ]);
    return rows.map(toWallet);
  }

  async pending(address: string, feeBps: number): Promise<number> {
    const escrow = await this.#count(
      "SELECT COALESCE(SUM(escrow), 0) AS n FROM jobs WHERE client_wallet = ? AND escrow > 0",
      [address],
    );
    const awaiting = await this.#sql.all(
      `SELECT j.reward FROM assignments a JOIN jobs j ON j.id = a.job_id
       WHERE a.wallet = ? AND a.state = 'PROVED' AND a.verdict IS NULL AND j.state IN ('QUEUED', 'LEASED', 'VERIFYING')`,
      [address],
    );
    return awaiting.reduce((total, row) => total + num(row.reward) - feeFor(num(row.reward), feeBps), escrow);
  }

  async postings(account: string, limit: number, beforeId?: number): Promise<PostingView[]> {
    const rows = await this.#sql.all("SELECT * FROM postings WHERE account = ? AND id < ? ORDER BY id DESC LIMIT ?", [
      account,
      beforeId ?? Number.MAX_SAFE_INTEGER,
      limit,
    ]);
    return rows.map((row) => ({
      id: num(row.id),
      transferId: str(row.transfer_id),
      account: str(row.account),
      amount: num(row.amount),
      kind: str(row.kind),
      jobId: strOrNull(row.job_id),
      at: num(row.at),
    }));
  }

  async balanceThrough(account: string, id: number): Promise<number> {
    const row = await this.#sql.get(
      "SELECT COALESCE(SUM(amount), 0) AS total FROM postings WHERE account = ? AND id <= ?",
      [account, id],
    );
    return num(row?.total ?? 0);
  }

  async stats(now: number): Promise<Stats> {
    const jobs = Object.fromEntries(jobStates.map((state) => [state, 0])) as Stats["jobs"];
    for (const row of await this.#sql.all("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")) {
      jobs[str(row.state) as keyof Stats["jobs"]] = num(row.n);
    }
    const miners = await this.#sql.get(
      `SELECT COALESCE(SUM(CASE WHEN online AND NOT draining AND NOT stopping THEN 1 ELSE 0 END), 0) AS online,
              COALESCE(SUM(CASE WHEN NOT online THEN 1 ELSE 0 END), 0) AS offline,
              COALESCE(SUM(CASE WHEN online AND draining AND NOT stopping THEN 1 ELSE 0 END), 0) AS draining,
              COALESCE(SUM(CASE WHEN online AND stopping THEN 1 ELSE 0 END), 0) AS stopping
       FROM miners`,
    );
    const balanceOf = async (account: string) =>
      this.#count("SELECT COALESCE(SUM(balance), 0) AS n FROM wallets WHERE address = ?", [account]);
    return {
      jobs,
      queueDepth: await this.#count("SELECT COALESCE(SUM(open_slots), 0) AS n FROM jobs WHERE open_slots > 0"),
      miners: {
        online: num(miners?.online),
        offline: num(miners?.offline),
        draining: num(miners?.draining),
        stopping: num(miners?.stopping),
      },
      completedLastMinute: await this.#count(
        "SELECT COUNT(*) AS n FROM jobs WHERE finished_at > ? AND state = 'COMPLETED'",
        [now - 60_000],
      ),
      escrow: await balanceOf(accounts.escrow),
      fees: await balanceOf(accounts.fee),
      funded: -(await balanceOf(accounts.funding)),
    };
  }

  async audit(): Promise<AuditReport> {
    const totals = "SELECT account, SUM(amount) AS total FROM postings GROUP BY account";
    const mismatched = (
      await this.#sql.all(
        `SELECT w.address AS account, w.balance AS cached, COALESCE(p.total, 0) AS from_postings
         FROM wallets w LEFT JOIN (${totals}) p ON p.account = w.address
         WHERE w.balance <> COALESCE(p.total, 0)
         UNION ALL
         SELECT p.account AS account, 0 AS cached, p.total AS from_postings FROM (${totals}) p
         WHERE NOT EXISTS (SELECT 1 FROM wallets w WHERE w.address = p.account)`,
      )
    ).map((row) => ({ account: str(row.account), cached: num(row.cached), fromPostings: num(row.from_postings) }));
    const unbalanced = (
      await this.#sql.all("SELECT transfer_id FROM postings GROUP BY transfer_id HAVING SUM(amount) <> 0")
    ).map((row) => str(row.transfer_id));
    const sumOf = (where: string, params: SqlParam[]) =>
      this.#count(`SELECT COALESCE(SUM(amount), 0) AS n FROM postings ${where}`, params);
    const total = await sumOf("", []);
    const funded = -(await sumOf("WHERE account = ?", [accounts.funding]));
    const held = await sumOf("WHERE account <> ?", [accounts.funding]);
    const escrowAccount = await sumOf("WHERE account = ?", [accounts.escrow]);
    const escrowJobs = await this.#count("SELECT COALESCE(SUM(escrow), 0) AS n FROM jobs");
    return {
      ok:
        mismatched.length === 0 &&
        unbalanced.length === 0 &&
        total === 0 &&
        held === funded &&
        escrowAccount === escrowJobs,
      mismatched,
      unbalanced,
      total,
      funded,
      held,
      escrow: { account: escrowAccount, jobs: escrowJobs },
    };
  }
}
