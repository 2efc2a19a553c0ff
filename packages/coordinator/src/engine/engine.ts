// The engine: everything that writes — the store, the ops, the long-poll dispatcher, the sweeper
// and the ledger checkpoints. It runs on the thread that owns the store's writer (a worker thread in
// a running coordinator, see worker.ts), so a commit's fsync and the SQL never hold up the thread
// that parses HTTP. The HTTP side reaches it through EngineClient with commands (plain data).
import type { Ledger } from "@pithead/ledger";
import { isFinal } from "../core/model.ts";
import { type Claimed, claimJobs } from "../ops/claim-jobs.ts";
import type { OpsContext } from "../ops/context.ts";
import { releaseLeases } from "../ops/release-leases.ts";
import { type SweepResult, sweep } from "../ops/sweep.ts";
import { Checkpointer } from "../service/checkpointer.ts";
import { Dispatcher } from "../service/dispatcher.ts";
import type { CoordinatorStore, JobEvent, Tx } from "../store/types.ts";
import { type CommandInput, type CommandName, type CommandOutput, commandOp, hintsOf } from "./commands.ts";

export interface EngineLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A claim as the HTTP side asks for it; `wait` makes it a long-poll. */
export interface ClaimCall {
  keyId: string;
  minerId: string;
  maxJobs: number;
  slots: number;
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
  log: EngineLog;
}

/** How many rows one sweep step touches at most; the sweeper repeats steps while they come back full. */
const SWEEP_LIMIT = 200;

export class Engine {
  readonly store: CoordinatorStore;
  readonly ctx: OpsContext;
  readonly dispatcher: Dispatcher;
  readonly #log: EngineLog;
  readonly #checkpointer: Checkpointer | undefined;
  readonly #ledger: Ledger | undefined;
  readonly #unsubscribe: () => void;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.ctx = options.ctx;
    this.#log = options.log;
    this.dispatcher = new Dispatcher({
      write: (op, hints) => this.store.write(op, hints),
      anyClaimable: (workloads) => this.store.reads.claimableExists(workloads, options.clock()),
      release: async (claimed) => {
        const leases = claimed.map(({ job, assignment }) => ({ jobId: job.id, assignmentId: assignment.id }));
        await this.store.write((tx) => releaseLeases(tx, leases));
      },
      pollIntervalMs: options.pollIntervalMs,
      onError: (error) => this.#log.error({ err: error }, "dispatch round failed"),
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
      ? new Checkpointer(options.ledger, this.store.ledgerPartition, () => this.#log, this.store)
      : undefined;
  }

  command<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>> {
    return this.store.write(commandOp(this.ctx, name, input), hintsOf(name, input));
  }

  /** Leases jobs at once, or (with `wait`) the moment a matching one commits, until the deadline or abort. */
  claim(call: ClaimCall, signal: AbortSignal): Promise<Claimed[]> {
    const claim = (tx: Tx) =>
      claimJobs(tx, this.ctx, { keyId: call.keyId, minerId: call.minerId, maxJobs: call.maxJobs, slots: call.slots });
    if (call.wait === null) return this.store.write(claim, { minerIds: [call.minerId] });
    return this.dispatcher.wait({
      minerId: call.minerId,
      claim,
      hints: { minerIds: [call.minerId] },
      capacity: Math.min(call.maxJobs, call.slots),
      workloads: call.wait.workloads,
      wallet: call.wait.wallet,
      inFlight: call.wait.inFlight,
      reputation: call.wait.reputation,
      deadline: call.wait.deadline,
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
    };
    for (let pass = 0; pass < 50; pass++) {
      const step = await this.store.write((tx) => sweep(tx, this.ctx, SWEEP_LIMIT));
      total.minersOffline += step.minersOffline;
      total.leasesExpired += step.leasesExpired;
      total.jobsExpired += step.jobsExpired;
      total.slotsClosed += step.slotsClosed;
      total.idempotencyForgotten += step.idempotencyForgotten;
      const overdue = step.jobsExpired + step.slotsClosed;
      const full = [step.minersOffline, step.leasesExpired, overdue].some((count) => count >= SWEEP_LIMIT);
      if (!full) break;
    }
    return total;
  }

  startSweeper(intervalMs: number): void {
    this.#sweeper = setInterval(() => {
      if (this.#sweeping) return;
      this.#sweeping = true;
      this.sweep()
        .then((result) => {
          if (result.minersOffline + result.leasesExpired + result.jobsExpired + result.slotsClosed > 0) {
            this.#log.info({ sweep: result }, "sweep");
          }
        })
        .catch((error: unknown) => this.#log.error({ err: error }, "sweep failed"))
        .finally(() => {
          this.#sweeping = false;
        });
    }, intervalMs);
    this.#sweeper.unref();
  }

  /** Signs a checkpoint now if records were added since the latest one. */
  async checkpoint(): Promise<void> {
    await this.#checkpointer?.checkpoint();
  }

  startCheckpoints(intervalMs: number): void {
    this.#checkpointer?.start(intervalMs);
  }

  /** Stops the loops, answers the long-polls, commits what is queued, closes the store and ledger. */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#unsubscribe();
    this.dispatcher.close();
    await this.#checkpointer?.stop();
    await this.store.close();
    await this.#ledger?.close();
  }
}
