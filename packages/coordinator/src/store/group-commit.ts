// Group commit: the ops that arrive while a transaction is being written share the next one, so
// one durable commit (one fsync) answers many requests. Each op's promise settles only after the
// commit that contains it is durable; its events are delivered only then. A store whose COMMIT
// returns before the fsync (SQLite, sqlite/wal-sync.ts) runs the next batch while it flushes, one
// batch ahead at most; answers and events still go out in commit order.
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
import type { CandidatePage, JobEvent, Op, OpenedSlots, Tx, WriteHints } from "./types.ts";

export interface TxSession {
  readonly tx: Tx;
  /**
   * The load of the batch's hinted rows, when the driver started it with BEGIN (PostgreSQL: in the
   * same round trip); otherwise the batch calls preload.
   */
  readonly preloading?: Promise<void>;
  /** Loads the rows the batch's ops said they will read (one query per table, not one per op). */
  preload(hints: WriteHints): Promise<void>;
  /** Writes (rows and ledger records) done so far in this transaction. */
  writes(): number;
  events(): JobEvent[];
  truncateEvents(length: number): void;
  /** Writes what the transaction kept in memory; a failure here is one op's doing, as during the ops. */
  flush(): Promise<void>;
  commit(): Promise<void>;
  /**
   * A store whose COMMIT returns before it is durable: resolves once what commit() committed is
   * (rejects if it never will be). Absent: commit() itself returned only then.
   */
  durable?(): Promise<void>;
  /**
   * flush() and commit() in one go, for a store that sends COMMIT right behind the writes. Throws
   * FlushFailed when the writes failed and nothing was committed (the batch is then rolled back if
   * still open, and retried op by op); any other error is the commit's, its outcome unknown (the
   * batch fails).
   */
  flushAndCommit?(): Promise<void>;
  rollback(): Promise<void>;
}

/** The batch's writes failed and nothing of the batch was committed. */
export class FlushFailed extends Error {
  readonly failure: unknown;

  constructor(failure: unknown) {
    super("the batch's writes failed; nothing was committed", { cause: failure });
    this.name = "FlushFailed";
    this.failure = failure;
  }
}

export interface TxDriver {
  /** Opens the batch's transaction; `hints` are the batch's, for a driver that loads them with BEGIN. */
  begin(hints: WriteHints | undefined): Promise<TxSession>;
  /**
   * A store with durable() sessions: undefined when another batch may start now, else resolves when
   * it may. One batch runs while the previous commit's fsync does, not more: what arrives meanwhile
   * joins a bigger next batch instead of several small commits that rewrite the same pages.
   */
  ready?(): Promise<void> | undefined;
  /** A store with durable() sessions: resolves once every commit made so far is durable. */
  drained?(): Promise<void>;
}

/** An op waiting for a transaction, with what to do once that transaction committed (or failed). */
export interface FollowUp {
  op: Op<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The rows the op reads first (see WriteHints). */
  hints?: WriteHints | undefined;
}

/** Adds follow-up ops to batches (the dispatcher: claims for miners waiting for new jobs). */
export interface FollowUpSource {
  /** Ops to run in the same transaction after the batch's own, given the events those produced. */
  followUps(events: readonly JobEvent[]): FollowUp[];
  /**
   * What the follow-ups of a batch that opens these replicas will likely read: loaded with the
   * batch's own hinted rows (on PostgreSQL in BEGIN's round trip), not after the ops ran.
   */
  likelyReads(opened: readonly OpenedSlots[]): WriteHints | undefined;
}

type Pending = FollowUp;

/** Work that runs between batches, alone (see GroupCommit.exclusive). */
interface ExclusiveTask {
  exclusive: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Queued = Pending | ExclusiveTask;

const isExclusive = (item: Queued): item is ExclusiveTask => "exclusive" in item;

/** The union of the hints of a batch's ops. */
function mergeHints(all: readonly (WriteHints | undefined)[]): WriteHints | undefined {
  const jobIds = new Set<string>();
  const minerIds = new Set<string>();
  const wallets = new Set<string>();
  const opens: OpenedSlots[] = [];
  const candidates: CandidatePage[] = [];
  for (const hints of all) {
    for (const id of hints?.jobIds ?? []) jobIds.add(id);
    for (const id of hints?.minerIds ?? []) minerIds.add(id);
    for (const address of hints?.wallets ?? []) wallets.add(address);
    opens.push(...(hints?.opens ?? []));
    candidates.push(...(hints?.candidates ?? []));
  }
  if (jobIds.size + minerIds.size + wallets.size + opens.length + candidates.length === 0) return undefined;
  return { jobIds: [...jobIds], minerIds: [...minerIds], wallets: [...wallets], opens, candidates };
}

const hintsOf = (ops: readonly Pending[]) => mergeHints(ops.map((pending) => pending.hints));

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
}

export class GroupCommit {
  readonly #driver: TxDriver;
  readonly #options: GroupCommitOptions;
  #queue: Queued[] = [];
  #running = false;
  #scheduled = false;
  #closed = false;
  #idle: (() => void)[] = [];
  /** Batches committed and waiting to be durable before they are answered. */
  readonly #settling = new Set<Promise<void>>();
  #followUps: FollowUpSource | undefined;

  constructor(driver: TxDriver, options: GroupCommitOptions) {
    this.#driver = driver;
    this.#options = options;
  }

  /**
   * Ops to run in each batch's transaction after its own (the dispatcher claims newly queued jobs
   * for waiting miners this way), settled with the batch.
   */
  setFollowUps(source: FollowUpSource): void {
    this.#followUps = source;
  }

  run<T>(op: Op<T>, hints?: WriteHints): Promise<T> {
    if (insideOp.getStore()) return Promise.reject(new NestedWriteError());
    if (this.#closed) return Promise.reject(new StoreClosedError());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op: op as Op<unknown>, resolve: resolve as (value: unknown) => void, reject, hints });
      this.#schedule();
    });
  }

  /**
   * Runs `work` alone between two batches, in queue order. On SQLite, work on another connection of
   * the same database (the ledger signing a checkpoint) must never start while this thread's batch
   * holds the write lock: it would wait for a lock only this same thread can release.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (insideOp.getStore()) return Promise.reject(new NestedWriteError());
    if (this.#closed) return Promise.reject(new StoreClosedError());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ exclusive: work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Stops taking ops and waits for the ones already queued to commit and be answered. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#running || this.#queue.length > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await Promise.all(this.#settling);
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

  /**
   * Runs one batch (or one exclusive task), then yields to the event loop before the next: the
   * answers of this batch go out first, and whatever arrived meanwhile joins the next batch.
   */
  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const first = this.#queue[0];
      if (first && isExclusive(first)) {
        // Work on another connection (the ledger signing a checkpoint) sees every commit: only
        // once they are durable.
        await this.#driver.drained?.();
        this.#queue.shift();
        await first.exclusive().then(first.resolve, first.reject);
      } else {
        // Waiting here, the requests that arrive join this batch.
        await this.#driver.ready?.();
        let size = 0;
        while (size < this.#options.maxBatch && size < this.#queue.length) {
          const next = this.#queue[size];
          if (!next || isExclusive(next)) break;
          size++;
        }
        await this.#runBatch(this.#queue.splice(0, size) as Pending[]);
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
      if (attempt.durable) this.#settleWhenDurable(attempt.durable, attempt.items, attempt.outcomes, attempt.events);
      else this.#settle(attempt.items, attempt.outcomes, attempt.events);
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
    | { kind: "committed"; items: Pending[]; outcomes: Outcome[]; events: JobEvent[]; durable?: Promise<void> }
    | { kind: "poisoned" | "commit_failed"; items: Pending[]; error: unknown }
  > {
    const own = hintsOf(batch);
    const opened = own?.opens ?? [];
    // The rows the likely follow-ups read come with the batch's own: one round trip fewer for them.
    const hints = opened.length > 0 ? mergeHints([own, this.#followUps?.likelyReads(opened)]) : own;
    let session: TxSession;
    try {
      session = await this.#driver.begin(hints);
    } catch (error) {
      return { kind: "commit_failed", items: batch, error };
    }
    const items: Pending[] = [...batch];
    const outcomes: Outcome[] = [];
    const poisoned = async (error: unknown) => {
      await session.rollback().catch(() => {});
      return { kind: "poisoned" as const, items, error };
    };
    /** Loads the rows these ops said they read (one query per table for all of them). */
    const preload = async (hints: WriteHints | undefined) => {
      if (hints) await session.preload(hints);
    };
    try {
      await (session.preloading ?? preload(hints));
    } catch (error) {
      return poisoned(error);
    }
    let followed = false;
    for (let index = 0; ; index++) {
      // Once the batch's own ops ran, add the follow-ups their events call for (once per batch).
      if (index === batch.length && !followed && this.#followUps) {
        followed = true;
        const followUps = this.#followUps.followUps(session.events());
        items.push(...followUps);
        try {
          await preload(hintsOf(followUps));
        } catch (error) {
          return poisoned(error);
        }
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
        return poisoned(error);
      }
    }
    const events = [...session.events()];
    if (session.flushAndCommit) {
      try {
        await session.flushAndCommit();
      } catch (error) {
        if (error instanceof FlushFailed) return poisoned(error.failure);
        await session.rollback().catch(() => {});
        return { kind: "commit_failed", items, error };
      }
      return { kind: "committed", items, outcomes, events };
    }
    try {
      await session.flush();
    } catch (error) {
      return poisoned(error);
    }
    try {
      await session.commit();
    } catch (error) {
      await session.rollback().catch(() => {});
      return { kind: "commit_failed", items, error };
    }
    const durable = session.durable?.();
    return durable
      ? { kind: "committed", items, outcomes, events, durable }
      : { kind: "committed", items, outcomes, events };
  }

  /** Answers a committed batch once it is durable (in commit order: the store's fsyncs finish in order). */
  #settleWhenDurable(durable: Promise<void>, batch: Pending[], outcomes: Outcome[], events: JobEvent[]): void {
    const settled = durable.then(
      () => this.#settle(batch, outcomes, events),
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
    this.#settling.add(settled);
    void settled.finally(() => this.#settling.delete(settled));
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
