// The few calls the shared SQL code needs from a database, so one implementation of the store
// contract (sql/tx.ts, sql/reads.ts) runs on both SQLite and PostgreSQL. SQL is written with `?`
// placeholders in the common dialect; the PostgreSQL driver numbers them.
import type { Row } from "../rows.ts";

export type SqlScalar = string | number | boolean | Uint8Array | null;
/** A scalar, or (PostgreSQL only) an array bound as one parameter. */
export type SqlParam = SqlScalar | readonly SqlScalar[];

export interface Sql {
  readonly dialect: "sqlite" | "postgres";
  get(sql: string, params?: readonly SqlParam[]): Promise<Row | undefined>;
  all(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
}

export const placeholders = (count: number): string => Array.from({ length: count }, () => "?").join(", ");

/** `?` → `$1, $2, …` for PostgreSQL (our SQL never has `?` inside string literals). */
export function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
