// The HTTP thread's side of the pipelined fsync (wal-sync.ts): its read connection may see a commit
// whose fsync is still running, so an answer built from a read waits until every commit that read
// could have seen is durable. The engine counts commits started (just before COMMIT) and commits
// durable in shared memory; a read that saw commit k finished after the engine counted k, so
// reading the counter after the read gives a number at least k.
import type { Row } from "../rows.ts";
import type { Sql, SqlParam } from "../sql/sql.ts";
import { COMMITS_DURABLE, COMMITS_STARTED } from "./wal-sync.ts";

/** `a` is at or past `b` (the counters wrap around after 2^31 commits). */
const reached = (a: number, b: number) => ((a - b) | 0) >= 0;

export class ReadGate {
  readonly #counters: Int32Array;
  #failure: Error | undefined;

  constructor(counters: Int32Array) {
    this.#counters = counters;
  }

  /**
   * Call after a read: undefined when everything it could have seen is durable (the usual case),
   * else a promise that resolves once it is (or rejects if the engine stopped first).
   */
  after(): Promise<void> | undefined {
    const seen = Atomics.load(this.#counters, COMMITS_STARTED);
    if (reached(Atomics.load(this.#counters, COMMITS_DURABLE), seen)) return undefined;
    return this.#wait(seen);
  }

  /**
   * The engine stopped: what it committed last may never be durable, so reads that may have seen
   * it fail (reads of durable state still pass).
   */
  fail(error: Error): void {
    this.#failure ??= error;
    Atomics.notify(this.#counters, COMMITS_DURABLE);
  }

  async #wait(seen: number): Promise<void> {
    for (;;) {
      const durable = Atomics.load(this.#counters, COMMITS_DURABLE);
      if (reached(durable, seen)) return;
      if (this.#failure) throw this.#failure;
      const waiting = Atomics.waitAsync(this.#counters, COMMITS_DURABLE, durable);
      if (waiting.async) await waiting.value;
    }
  }
}

/** The read connection behind a gate: every query's rows are handed out once they are durable. */
export class GatedSql implements Sql {
  readonly dialect: Sql["dialect"];
  readonly #sql: Sql;
  readonly #gate: ReadGate;

  constructor(sql: Sql, gate: ReadGate) {
    this.dialect = sql.dialect;
    this.#sql = sql;
    this.#gate = gate;
  }

  async get(sql: string, params?: readonly SqlParam[]): Promise<Row | undefined> {
    const row = await this.#sql.get(sql, params);
    await this.#gate.after();
    return row;
  }

  async all(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
    const rows = await this.#sql.all(sql, params);
    await this.#gate.after();
    return rows;
  }

  async run(sql: string, params?: readonly SqlParam[]): Promise<number> {
    const changes = await this.#sql.run(sql, params);
    await this.#gate.after();
    return changes;
  }
}
