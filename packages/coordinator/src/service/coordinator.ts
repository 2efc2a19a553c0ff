// The coordinator's shell: it wires the store, the ops, the dispatcher, the event hub and the
// sweeper together and is what the HTTP routes call. No SQL and no HTTP here.
import type { FastifyBaseLogger } from "fastify";
import { minerWorkloads } from "../core/matching.ts";
import { isFinal, type Miner } from "../core/model.ts";
import { errors } from "../errors.ts";
import { type Claimed, claimJobs } from "../ops/claim-jobs.ts";
import type { OpsContext } from "../ops/context.ts";
import { releaseLeases } from "../ops/release-leases.ts";
import { type SweepResult, sweep } from "../ops/sweep.ts";
import type { CoordinatorStore, Op, StoreReads, Tx } from "../store/types.ts";
import type { KeyPrincipal } from "./auth.ts";
import { KeyResolver } from "./auth.ts";
import { Dispatcher } from "./dispatcher.ts";
import { EventHub } from "./event-hub.ts";

export type ServiceLog = Pick<FastifyBaseLogger, "info" | "warn" | "error">;

const silent: ServiceLog = { info: () => {}, warn: () => {}, error: () => {} };

export interface ServiceOptions {
  store: CoordinatorStore;
  ctx: OpsContext;
  clock: () => number;
  log?: ServiceLog;
  pollIntervalMs: number;
}

export interface ClaimRequestInput {
  minerId: string;
  maxJobs: number;
  slots: number;
  waitS: number;
  signal: AbortSignal;
}

/** How many rows one sweep step touches at most; the sweeper repeats steps while they come back full. */
const SWEEP_LIMIT = 200;

export class CoordinatorService {
  readonly store: CoordinatorStore;
  readonly reads: StoreReads;
  readonly ctx: OpsContext;
  readonly clock: () => number;
  readonly dispatcher: Dispatcher;
  readonly events = new EventHub();
  readonly keys: KeyResolver;
  #log: ServiceLog;
  readonly #unsubscribe: () => void;
  #sweeper: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(options: ServiceOptions) {
    this.store = options.store;
    this.reads = options.store.reads;
    this.ctx = options.ctx;
    this.clock = options.clock;
    this.#log = options.log ?? silent;
    this.keys = new KeyResolver(this.reads);
    this.dispatcher = new Dispatcher({
      write: (op) => this.store.write(op),
      anyClaimable: (workloads) => this.reads.claimableExists(workloads, this.clock()),
      release: async (claimed) => {
        const leases = claimed.map(({ job, assignment }) => ({ jobId: job.id, assignmentId: assignment.id }));
        await this.store.write((tx) => releaseLeases(tx, leases));
      },
      pollIntervalMs: options.pollIntervalMs,
      onError: (error) => this.#log.error({ err: error }, "dispatch round failed"),
    });
    this.store.setFollowUps((events) => this.dispatcher.followUps(events));
    this.#unsubscribe = this.store.subscribe((events) => {
      this.events.publish(events);
      const opened = events
        .filter((event) => event.open_slots > 0 && !isFinal(event.state))
        .reduce((total, event) => total + event.open_slots, 0);
      // A lease that ended (proof, fail, expiry, cancel) frees a slot of the miner that held it: a
      // miner long-polling at its in-flight limit may take a queued job now, so try the waiters.
      const freed = events.some((event) => event.previous === "LEASED" || isFinal(event.state));
      if (opened > 0 || freed) this.dispatcher.nudge(opened);
    });
  }

  get log(): ServiceLog {
    return this.#log;
  }

  /** Logs to the HTTP server's logger once it exists. */
  useLogger(log: ServiceLog): void {
    this.#log = log;
  }

  write<T>(op: Op<T>): Promise<T> {
    return this.store.write(op);
  }

  /** The miner id a miner key is bound to (by its first heartbeat). */
  async boundMinerId(principal: KeyPrincipal): Promise<string> {
    const key = await this.reads.keyById(principal.keyId);
    if (!key?.minerId) throw errors.error("MINER_NOT_REGISTERED", { key_id: principal.keyId });
    return key.minerId;
  }

  /** The registered miner `minerId`, checked to belong to the calling key. */
  async minerOf(principal: KeyPrincipal, minerId: string): Promise<Miner> {
    const miner = await this.reads.miner(minerId);
    if (!miner) {
      const key = await this.reads.keyById(principal.keyId);
      if (key?.minerId && key.minerId !== minerId) {
        throw errors.error("KEY_BOUND_TO_OTHER_MINER", { miner_id: minerId, bound_to: key.minerId });
      }
      throw errors.error("MINER_NOT_REGISTERED", { miner_id: minerId });
    }
    if (miner.keyId !== principal.keyId) throw errors.error("MINER_ID_TAKEN", { miner_id: minerId });
    return miner;
  }

  /**
   * Hands jobs to a miner: at once if there are any, else (with waitS > 0) the moment one is
   * committed, until the wait ends.
   */
  async claim(principal: KeyPrincipal, input: ClaimRequestInput): Promise<Claimed[]> {
    const miner = await this.minerOf(principal, input.minerId);
    const workloads = minerWorkloads(miner);
    const claim = (tx: Tx) =>
      claimJobs(tx, this.ctx, {
        keyId: principal.keyId,
        minerId: input.minerId,
        maxJobs: input.maxJobs,
        slots: input.slots,
      });
    if (input.waitS <= 0) {
      // Most polls find nothing: answer those from a read instead of a write transaction.
      if (!(await this.reads.claimableExists(workloads, this.clock()))) return [];
      return this.store.write(claim);
    }
    return this.dispatcher.wait({
      minerId: input.minerId,
      claim,
      workloads,
      inFlight: await this.reads.inFlight(input.minerId),
      reputation: miner.reputation,
      deadline: Date.now() + input.waitS * 1000,
      signal: input.signal,
    });
  }

  /** One sweep pass at `now` (the store's clock when omitted), repeated while steps come back full. */
  async sweep(): Promise<SweepResult> {
    const total: SweepResult = { minersOffline: 0, leasesExpired: 0, jobsExpired: 0, idempotencyForgotten: 0 };
    for (let pass = 0; pass < 50; pass++) {
      const step = await this.store.write((tx) => sweep(tx, this.ctx, SWEEP_LIMIT));
      total.minersOffline += step.minersOffline;
      total.leasesExpired += step.leasesExpired;
      total.jobsExpired += step.jobsExpired;
      total.idempotencyForgotten += step.idempotencyForgotten;
      const full = [step.minersOffline, step.leasesExpired, step.jobsExpired].some((count) => count >= SWEEP_LIMIT);
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
          if (result.minersOffline + result.leasesExpired + result.jobsExpired > 0) {
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

  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#unsubscribe();
    this.dispatcher.close();
    await this.store.close();
  }
}
