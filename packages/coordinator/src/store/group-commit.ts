// Group commit: the ops that arrive while a transaction is being written share the next one, so
// one durable commit (one fsync) answers many requests. Each op's promise settles only after the
// commit that contains it; its events are delivered only then.
//
// Failure rules:
//  - An op that throws a registry error (HttpError) before it wrote anything fails alone; the batch
//    goes on.
//  - Anything else (a bug, a constraint violation, an error after a write) poisons the batch: it
//    is rolled back and every op in it is retried in a transaction of its own, so only the guilty
//    op fails.
//  - A failed commit fails every op of the batch (nothing of it was acknowledged).
import { AsyncLocalStorage } from "node:async_hooks";
import { HttpError } from "@pithead/http";
import type { JobEvent, Op, Tx } from "./types.ts";

export interface TxSession {
  readonly tx: Tx;
  /** Writes (rows and ledger records) done so far in this transaction. */
  writes(): number;
  events(): JobEvent[];
  truncateEvents(length: number): void;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface TxDriver {
  begin(): Promise<TxSession>;
}

/** An op waiting for a transaction, with what to do once that transaction committed (or failed). */
export interface FollowUp {
  op: Op<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Pending = FollowUp;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Set while an op runs: a write started from inside an op would wait for its own batch forever. */
const insideOp = new AsyncLocalStorage<true>();

export class NestedWriteError extends Error {
  constructor() {
    super("store.write() called from inside an op: use the op's own tx");
    this.name = "NestedWriteError";
  }
}

export class StoreClosedError extends Error {
  constructor() {
    super("the store is closed");
    this.name = "StoreClosedError";
  }
}

export interface GroupCommitOptions {
  /** Most ops in one transaction (bounds the latency of the first op of a big batch). */
  maxBatch: number;
  /** Called after each commit with the batch's events, in commit order. */
  onCommitted(events: JobEvent[]): void;
  /**
   * Ops to run in the same transaction after the batch's own, given the events those produced
   * (the dispatcher claims newly queued jobs for waiting miners this way). Settled with the batch.
   */
  followUps?: (events: readonly JobEvent[]) => FollowUp[];
}

export class GroupCommit {
  readonly #driver: TxDriver;
  readonly #options: GroupCommitOptions;
  #queue: Pending[] = [];
  #running = false;
  #scheduled = false;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(driver: TxDriver, options: GroupCommitOptions) {
    this.#driver = driver;
    this.#options = options;
  }

  run<T>(op: Op<T>): Promise<T> {
    if (insideOp.getStore()) return Promise.reject(new NestedWriteError());
    if (this.#closed) return Promise.reject(new StoreClosedError());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op: op as Op<unknown>, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Stops taking ops and waits for the ones already queued to commit. */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#running && this.#queue.length === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#running || this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate: let every request that is ready in this turn of the event loop join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.maxBatch);
        await this.#runBatch(batch);
      }
    } finally {
      this.#running = false;
      if (this.#queue.length > 0) this.#schedule();
      else for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #runBatch(batch: Pending[]): Promise<void> {
    const attempt = await this.#attempt(batch);
    if (attempt.kind === "committed") {
      this.#settle(attempt.items, attempt.outcomes, attempt.events);
      return;
    }
    if (attempt.kind === "commit_failed" || attempt.items.length === 1) {
      for (const pending of attempt.items) pending.reject(attempt.error);
      return;
    }
    // Poisoned: retry each op alone so only the guilty one fails.
    for (const pending of attempt.items) await this.#runBatch([pending]);
  }

  async #attempt(
    batch: Pending[],
  ): Promise<
    | { kind: "committed"; items: Pending[]; outcomes: Outcome[]; events: JobEvent[] }
    | { kind: "poisoned" | "commit_failed"; items: Pending[]; error: unknown }
  > {
    let session: TxSession;
    try {
      session = await this.#driver.begin();
    } catch (error) {
      return { kind: "commit_failed", items: batch, error };
    }
    const items = [...batch];
    const outcomes: Outcome[] = [];
    let followed = false;
    for (let index = 0; ; index++) {
      // Once the batch's own ops ran, add the follow-ups their events call for (once per batch).
      if (index === batch.length && !followed && this.#options.followUps) {
        followed = true;
        items.push(...this.#options.followUps(session.events()));
      }
      const pending = items[index];
      if (!pending) break;
      const writesBefore = session.writes();
      const eventsBefore = session.events().length;
      try {
        outcomes.push({ ok: true, value: await insideOp.run(true, () => pending.op(session.tx)) });
      } catch (error) {
        if (error instanceof HttpError && session.writes() === writesBefore) {
          session.truncateEvents(eventsBefore);
          outcomes.push({ ok: false, error });
          continue;
        }
        await session.rollback().catch(() => {});
        return { kind: "poisoned", items, error };
      }
    }
    const events = [...session.events()];
    try {
      await session.commit();
    } catch (error) {
      await session.rollback().catch(() => {});
      return { kind: "commit_failed", items, error };
    }
    return { kind: "committed", items, outcomes, events };
  }

  #settle(batch: Pending[], outcomes: Outcome[], events: JobEvent[]): void {
    if (events.length > 0) {
      try {
        this.#options.onCommitted(events);
      } catch {
        // Subscribers' failures must not turn a committed write into an error.
      }
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (!outcome) pending.reject(new Error("op lost its outcome"));
      else if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
