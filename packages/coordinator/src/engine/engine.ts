// The engine: everything that writes — the store, the ops, the long-poll dispatcher, the sweeper
// and the ledger checkpoints. It runs on the thread that owns the store's writer (a worker thread in
// a running coordinator, see worker.ts), so a commit's fsync and the SQL never hold up the thread
// that parses HTTP. The HTTP side reaches it through EngineClient with commands (plain data).
import { HttpError, isDatabaseUnavailable, isStorageFull } from "@pithead/http";
import type { ArchiveReport, Ledger } from "@pithead/ledger";
import { isFinal } from "../core/model.ts";
import { errors } from "../errors.ts";
import { type Claimed, claimJobs } from "../ops/claim-jobs.ts";
import type { OpsContext } from "../ops/context.ts";
import type { IdempotencyScope } from "../ops/idempotent.ts";
import { releaseLeases } from "../ops/release-leases.ts";
import { type SweepResult, sweep } from "../ops/sweep.ts";
import { Checkpointer } from "../service/checkpointer.ts";
import { DatabaseOutage, DISK_FULL } from "../service/database-outage.ts";
import { Dispatcher } from "../service/dispatcher.ts";
import { LedgerArchiver } from "../service/ledger-archiver.ts";
import type { CoordinatorStore, JobEvent, Op, Tx, WriteHints } from "../store/types.ts";
import { claimIdempotent } from "./claim-idempotent.ts";
import { type CommandInput, type CommandName, type CommandOutput, commandOp, hintsOf } from "./commands.ts";

export interface EngineLog {
  info(obj: object, msg: string): void;
  /** Absent where a log has no warn level: such lines go out as errors. */
  warn?(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A claim as the HTTP side asks for it; `wait` makes it a long-poll. */
export interface ClaimCall {
  keyId: string;
  minerId: string;
  maxJobs: number;
  slots: number;
  /** Jobs the miner has finished, proofs on the way: they do not take its slots (see claimJobs). */
  done: readonly string[];
  /**
   * The request's Idempotency-Key: a claim that leases stores its answer with the leases (see
   * claim-idempotent.ts), and those leases are kept for a retry even if the request goes away.
   */
  idempotency?: IdempotencyScope;
  wait: {
    /** Wall-clock ms (Date.now()) when the long-poll gives up. */
    deadline: number;
    workloads: readonly string[];
    /** The miner's wallet as it started waiting. */
    wallet: string;
    inFlight: number;
    reputation: number;
  } | null;
}

export interface EngineOptions {
  store: CoordinatorStore;
  ctx: OpsContext;
  /** The clock the store's transactions read. */
  clock: () => number;
  /** Backstop poll for long-polls (ms); 0 when every change is local (SQLite). */
  pollIntervalMs: number;
  /** The ledger handle that signs checkpoints of the store's partition (closed with the engine). */
  ledger?: Ledger;
  /** Moves old ledger records to this directory (--ledger-archive-dir); null: they stay in the database. */
  ledgerArchive?: LedgerArchiveSettings | null;
  log: EngineLog;
  /** Told when a database outage begins (true) and ends (false). */
  onOutage?: (down: boolean) => void;
  /** Told when the disk fills (true) and has room again (false). */
  onDiskFull?: (full: boolean) => void;
}

export interface LedgerArchiveSettings {
  dir: string;
  afterDays: number;
  /** Records per archived segment; absent: the ledger's 4096 (tests make it small). */
  segmentRecords?: number;
}

/** How many rows one sweep step touches at most; the sweeper repeats steps while they come back full. */
const SWEEP_LIMIT = 200;

export class Engine {
  readonly store: CoordinatorStore;
  readonly ctx: OpsContext;
  readonly dispatcher: Dispatcher;
  readonly #log: EngineLog;
  readonly #checkpointer: Checkpointer | undefined;
  readonly #archiver: LedgerArchiver | undefined;
  readonly #ledger: Ledger | undefined;
  readonly #unsubscribe: () => void;
  readonly #outage: DatabaseOutage;
  readonly #diskFull: DatabaseOutage;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.#log = options.log;
    const log = options.log;
    const outageLog = {
      info: (obj: object, msg: string) => log.info(obj, msg),
      warn: (obj: object, msg: string) => (log.warn ?? log.error).call(log, obj, msg),
    };
    this.#outage = new DatabaseOutage({
      clock: options.clock,
      log: outageLog,
      ...(options.onOutage ? { onChange: options.onOutage } : {}),
    });
    // Reads still answer while the disk is full: not "database down" for the long-polls.
    this.#diskFull = new DatabaseOutage({
      clock: options.clock,
      log: outageLog,
      kind: DISK_FULL,
      ...(options.onDiskFull ? { onChange: options.onDiskFull } : {}),
    });
    const outage = this.#outage;
    const diskFull = this.#diskFull;
    this.ctx = {
      ...options.ctx,
      // Heartbeats refused for either reason were not heard.
      hearing: {
        get since() {
          return Math.max(outage.since, diskFull.since);
        },
      },
    };
    this.dispatcher = new Dispatcher({
      write: (op, hints) => this.#write(op, hints, "claim"),
      anyClaimable: (workloads) => this.store.reads.claimableExists(workloads, options.clock()),
      release: async (claimed) => {
        const leases = claimed.map(({ job, assignment }) => ({ jobId: job.id, assignmentId: assignment.id }));
        await this.store.write((tx) => releaseLeases(tx, leases));
      },
      pollIntervalMs: options.pollIntervalMs,
      onError: (error) => this.#quietly(error, "dispatch round failed"),
    });
    this.store.setFollowUps(this.dispatcher);
    this.#unsubscribe = this.store.subscribe((events) => {
      const opened = events
        .filter((event) => event.open_slots > 0 && !isFinal(event.state))
        .reduce((total, event) => total + event.open_slots, 0);
      // A lease that ended (proof, fail, expiry, cancel) frees a slot of the miner that held it: a
      // miner long-polling at its in-flight limit may take a queued job now, so try the waiters.
      const freed = events.some((event) => event.previous === "LEASED" || isFinal(event.state));
      if (opened > 0 || freed) this.dispatcher.nudge(opened);
    });
    this.#ledger = options.ledger;
    this.#checkpointer = options.ledger
      ? new Checkpointer(
          options.ledger,
          this.store.ledgerPartition,
          () => ({ error: (obj, msg) => this.#quietly((obj as { err?: unknown }).err, msg, obj, "ledger checkpoint") }),
          this.store,
        )
      : undefined;
    const archive = options.ledgerArchive;
    this.#archiver =
      options.ledger && archive
        ? new LedgerArchiver(options.ledger, this.store.ledgerPartition, {
            dir: archive.dir,
            afterDays: archive.afterDays,
            ...(archive.segmentRecords !== undefined ? { segmentRecords: archive.segmentRecords } : {}),
            clock: options.clock,
            log: () => ({
              info: (obj, msg) => log.info(obj, msg),
              warn: (obj, msg) => (log.warn ?? log.error).call(log, obj, msg),
            }),
            // SQLite: each segment's transaction between write batches, as a checkpoint is signed.
            between: this.store,
          })
        : undefined;
  }

  /** Whether the database answers, as the latest writes found (and since when miners are heard). */
  get databaseDown(): boolean {
    return this.#outage.down;
  }

  /**
   * A write through the store that tells the outage trackers how it went. A full disk leaves as the
   * registry's STORAGE_FULL, so the HTTP side answers 507 without logging each refused request:
   * the tracker logs the episode.
   */
  async #write<T>(op: Op<T>, hints: WriteHints | undefined, what: string): Promise<T> {
    try {
      const value = await this.store.write(op, hints);
      this.#outage.succeeded();
      this.#diskFull.succeeded();
      return value;
    } catch (error) {
      if (this.#diskFull.failed(error, what)) throw errors.error("STORAGE_FULL");
      this.#outage.failed(error, what);
      throw error;
    }
  }

  /**
   * Logs an error of a background loop, unless it is the database being unreachable or its disk
   * full: the outage trackers log those once (`record`: the failure did not come through #write,
   * note it there).
   */
  #quietly(error: unknown, msg: string, obj: object = { err: error }, record?: string): void {
    const outage = record
      ? this.#outage.failed(error, record) || this.#diskFull.failed(error, record)
      : isDatabaseUnavailable(error) ||
        isStorageFull(error) ||
        (error instanceof HttpError && error.code === "STORAGE_FULL");
    if (!outage) this.#log.error(obj, msg);
  }

  command<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>> {
    return this.#write(commandOp(this.ctx, name, input), hintsOf(name, input), name);
  }

  /** Leases jobs at once, or (with `wait`) the moment a matching one commits, until the deadline or abort. */
  claim(call: ClaimCall, signal: AbortSignal): Promise<Claimed[]> {
    const input = {
      keyId: call.keyId,
      minerId: call.minerId,
      maxJobs: call.maxJobs,
      slots: call.slots,
      done: call.done,
    };
    const scope = call.idempotency;
    const claim = scope
      ? (tx: Tx) => claimIdempotent(tx, scope, () => claimJobs(tx, this.ctx, input))
      : (tx: Tx) => claimJobs(tx, this.ctx, input);
    // The done jobs' leases are read with the miner, in the batch's one load.
    const hints = { minerIds: [call.minerId], jobIds: [...call.done] };
    if (call.wait === null) return this.#write(claim, hints, "claim");
    return this.dispatcher.wait({
      minerId: call.minerId,
      claim,
      hints,
      capacity: Math.min(call.maxJobs, call.slots),
      workloads: call.wait.workloads,
      wallet: call.wait.wallet,
      inFlight: call.wait.inFlight,
      reputation: call.wait.reputation,
      deadline: call.wait.deadline,
      keep: scope !== undefined,
      signal,
    });
  }

  subscribe(listener: (events: JobEvent[]) => void): () => void {
    return this.store.subscribe(listener);
  }

  /** One sweep pass, repeated while steps come back full. */
  async sweep(): Promise<SweepResult> {
    const total: SweepResult = {
      minersOffline: 0,
      leasesExpired: 0,
      jobsExpired: 0,
      slotsClosed: 0,
      idempotencyForgotten: 0,
      outputsRemoved: 0,
    };
    for (let pass = 0; pass < 50; pass++) {
      const step = await this.#write((tx) => sweep(tx, this.ctx, SWEEP_LIMIT), undefined, "sweep");
      total.minersOffline += step.minersOffline;
      total.leasesExpired += step.leasesExpired;
      total.jobsExpired += step.jobsExpired;
      total.slotsClosed += step.slotsClosed;
      total.idempotencyForgotten += step.idempotencyForgotten;
      total.outputsRemoved += step.outputsRemoved;
      const overdue = step.jobsExpired + step.slotsClosed;
      const full = [step.minersOffline, step.leasesExpired, overdue].some((count) => count >= SWEEP_LIMIT);
      if (!full) break;
    }
    return total;
  }

  /** One turn of the sweeper: a sweep, logged when it changed something or failed (an outage once). */
  async sweepTurn(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      const result = await this.sweep();
      const changed = result.minersOffline + result.leasesExpired + result.jobsExpired + result.slotsClosed;
      if (changed + result.outputsRemoved > 0) {
        this.#log.info({ sweep: result }, "sweep");
      }
    } catch (error) {
      this.#quietly(error, "sweep failed");
    } finally {
      this.#sweeping = false;
    }
  }

  startSweeper(intervalMs: number): void {
    this.#sweeper = setInterval(() => void this.sweepTurn(), intervalMs);
    this.#sweeper.unref();
  }

  /** Signs a checkpoint now if records were added since the latest one. */
  async checkpoint(): Promise<void> {
    await this.#checkpointer?.checkpoint();
  }

  startCheckpoints(intervalMs: number): void {
    this.#checkpointer?.start(intervalMs);
  }

  /** One ledger archive run now (undefined: archiving is off, or the run failed and was logged). */
  async archiveLedger(): Promise<ArchiveReport | undefined> {
    return await this.#archiver?.run();
  }

  startLedgerArchiver(firstDelayMs: number, intervalMs: number): void {
    this.#archiver?.start(firstDelayMs, intervalMs);
  }

  /** Stops the loops, answers the long-polls, commits what is queued, closes the store and ledger. */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#unsubscribe();
    this.dispatcher.close();
    // A running archive finishes first: its last transaction goes through the store.
    await this.#archiver?.stop();
    await this.#checkpointer?.stop();
    await this.store.close();
    await this.#ledger?.close();
  }
}
