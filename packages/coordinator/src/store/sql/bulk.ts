// Multi-row statements. SQLite: n rows go in chunks of 256, 64, 16, 4 and 1 rows, so a table has at
// most five statement texts (each prepared once per connection) however batch sizes vary.
// PostgreSQL: one statement for any number of rows — one array per column through unnest() — so a
// batch's rows of one table cost one round trip.
import type { Row } from "../rows.ts";
import type { Sql, SqlParam } from "./sql.ts";

const SHAPES = [256, 64, 16, 4, 1] as const;

/** PostgreSQL types of the columns written in bulk (a column name means the same type in every table). */
const pgTypes: Record<string, string> = {
  seq: "bigint",
  reward: "bigint",
  replicas: "bigint",
  quorum: "bigint",
  ttl_s: "bigint",
  max_runtime_s: "bigint",
  max_attempts: "bigint",
  open_slots: "bigint",
  leases_issued: "bigint",
  leases_lost: "bigint",
  escrow: "bigint",
  created_at: "bigint",
  updated_at: "bigint",
  start_by: "bigint",
  finished_at: "bigint",
  version: "bigint",
  attempt: "bigint",
  leased_at: "bigint",
  lease_expires_at: "bigint",
  lease_cap_at: "bigint",
  proved_at: "bigint",
  proof_seq: "bigint",
  paid: "bigint",
  ended_at: "bigint",
  registered_at: "bigint",
  last_seen_at: "bigint",
  reputation: "bigint",
  amount: "bigint",
  at: "bigint",
  balance: "bigint",
  gpu: "boolean",
  draining: "boolean",
  stopping: "boolean",
  online: "boolean",
  output: "bytea",
};

/** The statement texts already built, by shape. */
const texts = new Map<string, string>();

function text(key: string, build: () => string): string {
  let sql = texts.get(key);
  if (sql === undefined) {
    sql = build();
    texts.set(key, sql);
  }
  return sql;
}

const list = (count: number, item: string) => Array.from({ length: count }, () => item).join(", ");

/** Rows for one table: INSERT INTO `table` (`columns`) … `tail` (ON CONFLICT …). */
export interface RowSet {
  table: string;
  columns: readonly string[];
  rows: readonly SqlParam[][];
  tail?: string;
}

const insertHead = (set: RowSet) => `INSERT INTO ${set.table} (${set.columns.join(", ")})`;

/** PostgreSQL: the rows as one array per column, inserted through unnest(). */
function unnestInsert(set: RowSet): { sql: string; params: SqlParam[] } {
  const arrays = set.columns.map((column) => `?::${pgTypes[column] ?? "text"}[]`).join(", ");
  return {
    sql: `${insertHead(set)} SELECT * FROM unnest(${arrays})${set.tail ?? ""}`,
    params: set.columns.map((_, index) => set.rows.map((row) => row[index] ?? null)) as unknown as SqlParam[],
  };
}

/**
 * Writes several tables' rows. On PostgreSQL in one statement (one round trip), a data-modifying
 * WITH per table; foreign keys are checked at the end of the statement, so the order within it does
 * not matter. `closing` becomes the statement's final SELECT list (pg_notify(...) calls).
 */
export async function writeMany(
  sql: Sql,
  sets: readonly RowSet[],
  closing?: { select: string; params: SqlParam[] },
): Promise<void> {
  if (sql.dialect !== "postgres") {
    for (const set of sets) await writeRows(sql, set.table, set.columns, set.rows, set.tail);
    if (closing) await sql.run(`SELECT ${closing.select}`, closing.params);
    return;
  }
  const statement = postgresWriteMany(sets, closing);
  if (statement) await sql.run(statement.sql, statement.params);
}

/** writeMany's one PostgreSQL statement, built without I/O; undefined when there is nothing to write. */
export function postgresWriteMany(
  sets: readonly RowSet[],
  closing?: { select: string; params: SqlParam[] },
): { sql: string; params: SqlParam[] } | undefined {
  const present = sets.filter((set) => set.rows.length > 0);
  if (present.length === 0 && !closing) return undefined;
  const parts = present.map(unnestInsert);
  const withs = parts.map((part, index) => `w${index} AS (${part.sql})`).join(", ");
  return {
    sql: `${withs ? `WITH ${withs} ` : ""}SELECT ${closing?.select ?? "1"}`,
    params: [...parts.flatMap((part) => part.params), ...(closing?.params ?? [])],
  };
}

/** INSERT INTO `table` (`columns`) the `rows` (values in column order), followed by `tail` (ON CONFLICT …). */
export async function writeRows(
  sql: Sql,
  table: string,
  columns: readonly string[],
  rows: readonly SqlParam[][],
  tail = "",
): Promise<void> {
  if (rows.length === 0) return;
  const head = insertHead({ table, columns, rows });
  if (sql.dialect === "postgres") {
    const { sql: statement, params } = unnestInsert({ table, columns, rows, tail });
    await sql.run(statement, params);
    return;
  }
  let start = 0;
  while (start < rows.length) {
    const size = SHAPES.find((shape) => shape <= rows.length - start) ?? 1;
    const statement = text(`w\0${head}\0${tail}\0${size}`, () => {
      const tuple = `(${list(columns.length, "?")})`;
      return `${head} VALUES ${list(size, tuple)}${tail}`;
    });
    const params: SqlParam[] = [];
    for (let i = start; i < start + size; i++) for (const value of rows[i] ?? []) params.push(value);
    await sql.run(statement, params);
    start += size;
  }
}

/** `${head} IN (…)${tail}` for every chunk of `ids` (padded to the chunk shape with repeats). */
export async function selectIn(sql: Sql, head: string, ids: readonly string[], tail = ""): Promise<Row[]> {
  if (sql.dialect === "postgres") {
    const statement = text(`a\0${head}\0${tail}`, () => `${head} = ANY(?::text[])${tail}`);
    return sql.all(statement, [ids as unknown as SqlParam]);
  }
  const out: Row[] = [];
  let start = 0;
  while (start < ids.length) {
    const left = Math.min(ids.length - start, SHAPES[0]);
    // Round up to the next shape: a repeated id in an IN list changes nothing.
    const size = [...SHAPES].reverse().find((shape) => shape >= left) ?? SHAPES[0];
    const chunk = ids.slice(start, start + size);
    const last = chunk[chunk.length - 1] ?? "";
    while (chunk.length < size) chunk.push(last);
    const statement = text(`s\0${head}\0${tail}\0${size}`, () => `${head} IN (${list(size, "?")})${tail}`);
    for (const row of await sql.all(statement, chunk)) out.push(row);
    start += size;
  }
  return out;
}
