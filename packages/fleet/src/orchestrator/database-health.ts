// Whether the ledger's database answers, as the loop's cycles find it: down from a cycle that could
// not reach it until a cycle records again. /health reports it (503 DATABASE_UNAVAILABLE, since
// when), so a monitor hears of a PostgreSQL outage the loop is riding out instead of "ok".

import { cycleFailure } from "./cycle-failure.ts";

export class DatabaseHealth {
  #downSince: number | undefined;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** A cycle failed: the database is down from now if that is why (the first such failure's time). */
  cycleFailed(error: unknown): void {
    if (cycleFailure(error).code === "DATABASE_UNAVAILABLE") this.#downSince ??= this.#now();
  }

  /** A cycle was recorded: the database answers. */
  cycleRecorded(): void {
    this.#downSince = undefined;
  }

  /** Since when the database has not answered; undefined while it does. */
  get downSince(): number | undefined {
    return this.#downSince;
  }
}
