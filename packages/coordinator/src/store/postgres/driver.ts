// pg behind the shared Sql interface. Statements are named (prepared once per connection by the
// server); `?` placeholders are numbered; BIGINT comes back as text and is converted by the row
// mappers.
import { createHash } from "node:crypto";
import type pg from "pg";
import type { Row } from "../rows.ts";
import { numbered, type Sql, type SqlParam } from "../sql/sql.ts";

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

const names = new Map<string, { name: string; text: string }>();

function prepared(sql: string): { name: string; text: string } {
  let entry = names.get(sql);
  if (!entry) {
    entry = { name: `pc_${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`, text: numbered(sql) };
    names.set(sql, entry);
  }
  return entry;
}

const toPg = (param: unknown): unknown =>
  param instanceof Uint8Array && !Buffer.isBuffer(param)
    ? Buffer.from(param)
    : Array.isArray(param)
      ? param.map(toPg)
      : param;

const bind = (params: readonly SqlParam[]): unknown[] => params.map(toPg);

export class PgSql implements Sql {
  readonly dialect = "postgres" as const;
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async #query(sql: string, params: readonly SqlParam[]): Promise<pg.QueryResult<Row>> {
    const { name, text } = prepared(sql);
    return (this.#db as pg.Pool).query<Row>({ name, text, values: bind(params) });
  }

  async get(sql: string, params: readonly SqlParam[] = []): Promise<Row | undefined> {
    return (await this.#query(sql, params)).rows[0];
  }

  async all(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    return (await this.#query(sql, params)).rows;
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }
}

/**
 * Passes a pool's connection errors (an idle connection the server closed) to `report`. pg-pool
 * hangs the whole client object on such an error; it is dropped, so a log line holds the error.
 */
export function reportPoolErrors(pool: pg.Pool, report: (error: unknown) => void): void {
  pool.on("error", (error) => {
    delete (error as Error & { client?: unknown }).client;
    report(error);
  });
}
