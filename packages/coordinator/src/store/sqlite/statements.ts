// node:sqlite behind the shared Sql interface, with a prepared-statement cache (node:sqlite
// compiles SQL on every prepare(), so hot queries are prepared once per connection).
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { Row } from "../rows.ts";
import type { Sql, SqlParam } from "../sql/sql.ts";

const bind = (params: readonly SqlParam[]): SQLInputValue[] =>
  params.map((param) => {
    if (typeof param === "boolean") return param ? 1 : 0;
    if (Array.isArray(param)) throw new TypeError("array parameters are PostgreSQL-only");
    return param as Exclude<SqlParam, boolean | readonly unknown[]>;
  });

export class SqliteSql implements Sql {
  readonly dialect = "sqlite" as const;
  readonly db: DatabaseSync;
  readonly #cache = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  prepare(sql: string): StatementSync {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  async get(sql: string, params: readonly SqlParam[] = []): Promise<Row | undefined> {
    return this.prepare(sql).get(...bind(params)) as Row | undefined;
  }

  async all(sql: string, params: readonly SqlParam[] = []): Promise<Row[]> {
    return this.prepare(sql).all(...bind(params)) as Row[];
  }

  async run(sql: string, params: readonly SqlParam[] = []): Promise<number> {
    return Number(this.prepare(sql).run(...bind(params)).changes);
  }
}
