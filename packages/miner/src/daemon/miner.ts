// The compute miner daemon: four loops over one state — heartbeat (capabilities, lease
// renewal), poll (long-poll `next` while a slot is free, or about to be: a job whose workload says
// it ends within CLAIM_AHEAD_MS, so the next one is here when it does), outbox (deliver
// proofs and fails until the coordinator settles them) and prune (remove settled results past
// RESULT_RETENTION_DAYS, so WORK_DIR does not grow for ever). Each loop is a step function plus a
// sleep on the injected clock; tests call the steps directly. While the coordinator is
// unreachable every loop backs off with full jitter, and the log says so once per change.
//
// Leases never outlive the work: each heartbeat lists the jobs this miner holds (running, or a
// result not delivered yet), so the coordinator renews only those, tells which of them it no longer
// leases to us (canceled, expired: the job is stopped at once and its slot freed) and, when the list
// is complete, takes back the leases of jobs we do not hold (those a crash lost). A proof the
// coordinator refuses while the lease is still ours (too large, bad signature) becomes a fail, and
// so does a result WORK_DIR cannot take (disk full): sent from memory at once, never left leased.
//
// A stop ends polling (and pruning) at once, but heartbeats and deliveries go on until every running
// job has an outcome: the shutdown grace is only worth something while the leases it protects are
// renewed, and a miner that fell silent would be marked offline (its leases lost) mid-grace.

import { randomUUID } from "node:crypto";
import type { MinerConfig } from "../config/load-config.ts";
import { type AnswerVerdict, judgeAnswer, leaseGone } from "../core/answer.ts";
import {
  type BackoffPolicy,
  backoffDelay,
  DEFAULT_BACKOFF,
  INITIAL_LINK,
  type LinkState,
  linkFailed,
  linkSucceeded,
} from "../core/backoff.ts";
import { CLOCK_SKEW_WARN_MS, clockSkewMs, describeSkew } from "../core/clock-skew.ts";
import { fitsInline, outputTooLargeMessage } from "../core/output-limit.ts";
import { corruptOutput, proofMessage, sha256Hex } from "../core/proof.ts";
import type { MinerKey } from "../identity/miner-key.ts";
import { largestVramMb, type Machine } from "../machine/machine.ts";
import {
  type CoordinatorClient,
  CoordinatorError,
  type HeartbeatAnswer,
  type LeasedJob,
  type MinerCapabilities,
} from "../net/coordinator-client.ts";
import type { OutboxEntry, ResultStore, SweptLeftovers } from "../store/result-store.ts";
import type { Availability, MachineView, Workload, WorkloadResult } from "../workloads/workload.ts";
import { type Clock, Notifier } from "./clock.ts";
import { JobAbort, type JobOutcome, runJob } from "./job-runner.ts";
import type { Logger } from "./logger.ts";

export interface MinerDeps {
  config: MinerConfig;
  client: CoordinatorClient;
  store: ResultStore;
  key: MinerKey;
  /** Every workload built from the config; prepare() decides which are offered. */
  workloads: Workload[];
  machine: Machine;
  clock: Clock;
  log: Logger;
  random?: () => number;
  backoff?: BackoffPolicy;
}

export interface RunningJob {
  job: LeasedJob;
  startedAt: number;
  done: Promise<void>;
  /** Stops this job alone (its lease is gone). */
  stop: AbortController;
  /**
   * The workload says it ends within CLAIM_AHEAD_MS, or it ended and its outcome is being written
   * to the outbox: its slot counts as free, and the claim for it names the job as done, so the next
   * job is here when this one ends.
   */
  finishing: boolean;
}

export interface MinerStatus {
  minerId: string;
  linkUp: boolean;
  registered: boolean;
  draining: boolean;
  slots: number;
  running: string[];
  offered: string[];
  completed: number;
  failed: number;
}

/**
 * How often the prune loop looks for settled results past RESULT_RETENTION_DAYS: a few minutes'
 * worth of results are removed each time, never a long sweep.
 */
const PRUNE_EVERY_MS = 10 * 60_000;

/** The coordinator takes at most this many job ids in a heartbeat; with more, none are sent. */
const MAX_LISTED_JOBS = 1024;
/** Longest a finished job's proof waits for the claim of its freed slot to be answered (a long-poll may find nothing). */
const CLAIM_FIRST_MS = 50;

/** Most finished jobs one claim names (the coordinator's limit for `done=`). */
const MAX_DONE_PER_CLAIM = 64;

type DeliveryAnswer = Awaited<ReturnType<CoordinatorClient["deliver"]>>;

/**
 * What is wrong with the coordinator: unreachable or failing (outage), refusing our key (refused),
 * or answering but unable to record anything, its disk full (full).
 */
type Trouble = "outage" | "refused" | "full" | "id-in-use";

function troubleOf(error: unknown): Trouble {
  if (!(error instanceof CoordinatorError)) return "outage";
  if (error.status === 401 || error.status === 403) return "refused";
  // Another live process beats for this MINER_ID with another key: it clears when that one stops.
  if (error.status === 409 && error.code === "MINER_ID_IN_USE") return "id-in-use";
  return error.status === 507 ? "full" : "outage";
}

/** The fail code of a job given back because its result could not be written to WORK_DIR. */
const RESULT_NOT_RECORDED = "RESULT_NOT_RECORDED";

export class Miner {
  readonly config: MinerConfig;
  readonly #deps: MinerDeps;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #backoff: BackoffPolicy;
  readonly offered = new Map<string, Workload>();
  readonly availability = new Map<string, Availability>();
  #models: string[] = [];
  readonly #running = new Map<string, RunningJob>();
  #link: LinkState = INITIAL_LINK;
  /** What is wrong with the coordinator, as its last answer (or none) said; undefined: nothing. */
  #trouble: Trouble | undefined;
  #registered = false;
  #draining = false;
  #completed = 0;
  #failed = 0;
  #givenBack = 0;
  /** Outbox deliveries in a row that WORK_DIR refused to record (see deliverPending). */
  #outboxFailures = 0;
  /** The largest output the coordinator takes with a proof, as its heartbeats say. */
  #maxOutputBytes: number | undefined;
  /** This machine's clock was last seen more than CLOCK_SKEW_WARN_MS off the coordinator's (said once). */
  #clockSkewed = false;
  /** `next` requests in flight: a job may be on its way that no list of ours names yet. */
  #claiming = 0;
  /** A heartbeat with a complete job list in flight: claims wait for it (see heartbeatOnce). */
  #reconciling: Promise<unknown> | undefined;
  readonly #slotFreed = new Notifier();
  /** The poll loop sits waiting for a free slot: a slot freed now is claimed at once. */
  #waitingForSlot = false;
  /** A claim (`next`) has its answer (see #deliverAfterClaim). */
  readonly #claimAnswered = new Notifier();
  readonly #outboxNudge = new Notifier();
  /** Fires when the coordinator answers again after an outage. */
  readonly #linkUp = new Notifier();
  readonly #registeredNow = new Notifier();
  /** Settled with the coordinator's reason once it refuses a heartbeat's credentials (401/403). */
  readonly #refused = Promise.withResolvers<string>();
  /** Aborted when stop() begins: ends polling for jobs and pruning. */
  readonly #stopping = new AbortController();
  /** Aborted once no job runs any more after stop(): ends heartbeats and the outbox loop. */
  readonly #stopped = new AbortController();
  /** Aborted when running jobs must be given back. */
  readonly #giveBack = new AbortController();
  #loops: Promise<void>[] = [];

  constructor(deps: MinerDeps) {
    this.config = deps.config;
    this.#deps = deps;
    this.#log = deps.log;
    this.#clock = deps.clock;
    this.#random = deps.random ?? Math.random;
    this.#backoff = deps.backoff ?? DEFAULT_BACKOFF;
  }

  get machineView(): MachineView {
    const machine = this.#deps.machine;
    return { accel: machine.accel, vramMb: largestVramMb(machine), freeRamMb: () => machine.freeRamMb() };
  }

  /** Detects which workloads can run here; offers those. Returns every workload's availability. */
  async prepare(): Promise<Map<string, Availability>> {
    const view = this.machineView;
    for (const workload of this.#deps.workloads) {
      const availability = await detectSafely(workload, view);
      this.availability.set(workload.name, availability);
      if (availability.available) this.offered.set(workload.name, workload);
    }
    this.#models = [...new Set([...this.availability.values()].flatMap((a) => (a.available ? (a.models ?? []) : [])))];
    return this.availability;
  }

  capabilities(): MinerCapabilities {
    const machine = this.#deps.machine;
    const capabilities: MinerCapabilities = {
      miner_id: this.config.minerId,
      mode: machine.accel,
      gpu: machine.accel === "gpu",
      concurrency: this.config.maxConcurrency,
      workloads: [...this.offered.keys()],
      limits: { vram_mb: largestVramMb(machine), ram_mb: machine.ramMb, max_runtime_s: this.config.maxRuntimeS },
      models: this.#models,
      gpus:
        machine.accel === "gpu" ? machine.gpus.map((g) => ({ name: g.name, memory_mb: Math.floor(g.memoryMb) })) : [],
      public_key: this.#deps.key.publicKey,
    };
    if (this.config.region !== undefined) capabilities.region = this.config.region;
    return capabilities;
  }

  status(): MinerStatus {
    return {
      minerId: this.config.minerId,
      linkUp: this.#link.up,
      registered: this.#registered,
      draining: this.#draining,
      slots: this.freeSlots(),
      running: [...this.#running.keys()],
      offered: [...this.offered.keys()],
      completed: this.#completed,
      failed: this.#failed,
    };
  }

  freeSlots(): number {
    let busy = 0;
    for (const running of this.#running.values()) if (!running.finishing) busy++;
    return Math.max(0, this.config.maxConcurrency - busy);
  }

  // ── link state: one log line per change ─────────────────────────────────────────────────

  /**
   * The coordinator answered. `wrote`: the answer says it recorded something (a heartbeat, a proof
   * or fail taken); a read (a claim that found nothing) says nothing about a full disk, so it does
   * not end that trouble, or the log would alternate between the two every few seconds.
   */
  #ok(wrote = true): void {
    if (!wrote && this.#trouble === "full") return;
    this.#link = linkSucceeded(this.#link).state;
    this.#setTrouble(undefined);
  }

  /** A heartbeat went through, but the coordinator says its disk is full: proofs wait. */
  #coordinatorFull(): void {
    this.#link = linkSucceeded(this.#link).state;
    this.#setTrouble("full", "the coordinator's heartbeat says its disk is full");
  }

  /** Logs a change of what is wrong with the coordinator, once. */
  #setTrouble(trouble: Trouble | undefined, error?: string): void {
    const was = this.#trouble;
    if (trouble === was) return;
    this.#trouble = trouble;
    const coordinator = this.config.coordUrl;
    switch (trouble) {
      case undefined:
        this.#log.info(
          was === "full"
            ? "the coordinator records results again"
            : was === "id-in-use"
              ? "no other process holds this miner id any more"
              : "coordinator reachable again",
          { coordinator },
        );
        // Loops sleeping out a backoff go on at once: results are sent and jobs taken now, not up
        // to a minute later when their own retry would have come.
        this.#linkUp.notify();
        return;
      case "refused":
        // Not an outage: the operator has to fix API_KEY or MINER_ID (retrying cannot).
        this.#log.error("the coordinator refuses this miner's credentials: check API_KEY and MINER_ID", { error });
        return;
      case "full":
        this.#log.warn(
          "the coordinator cannot record results (its disk is full): they wait in WORK_DIR and are sent once it can",
          { error },
        );
        return;
      case "id-in-use":
        this.#log.warn(
          `another process is running as miner ${this.config.minerId} with another key: this one waits until it stops (stop one of them, or give each its own MINER_ID)`,
          { error },
        );
        return;
      case "outage":
        this.#log.warn("coordinator unavailable; retrying with backoff", { error });
    }
  }

  /** Sleeps `ms`, cut short by `stop` or by the coordinator answering again. */
  async #backoffSleep(ms: number, stop: AbortSignal): Promise<void> {
    const woken = new AbortController();
    const signal = AbortSignal.any([stop, woken.signal]);
    const linkUp = this.#linkUp.wait(signal).then(() => woken.abort());
    await this.#clock.sleep(ms, signal);
    woken.abort();
    await linkUp;
  }

  #down(error: unknown): number {
    const message = error instanceof Error ? error.message : String(error);
    this.#link = linkFailed(this.#link, message).state;
    this.#setTrouble(troubleOf(error), message);
    const retryAfter = error instanceof CoordinatorError ? error.retryAfterMs : undefined;
    const delay = backoffDelay(this.#backoff, this.#link.failures, this.#random);
    return Math.max(delay, retryAfter ?? 0);
  }

  // ── steps ───────────────────────────────────────────────────────────────────────────────

  /** The jobs this miner holds: running, or with a result still to deliver. */
  #heldJobs(): string[] {
    return [...new Set([...this.#running.keys(), ...this.#deps.store.pendingJobIds()])];
  }

  /** One heartbeat. Returns the delay before the next one. */
  async heartbeatOnce(): Promise<number> {
    const capabilities = this.capabilities();
    const held = this.#heldJobs();
    const listed = held.length <= MAX_LISTED_JOBS;
    // The list is complete only while no `next` is in flight (a job on its way is on no list yet,
    // and would be taken back); claims wait until a beat that says "complete" is answered.
    const complete = listed && this.#claiming === 0;
    const sentAt = this.#clock.now();
    // A beat still on its way when the miner has stopped is dropped: stop() must not wait on it.
    const beat = this.#deps.client.heartbeat(
      {
        miner_id: this.config.minerId,
        wallet: this.config.walletAddr,
        mode: capabilities.mode,
        gpu: capabilities.gpu,
        capabilities,
        ...(listed ? { jobs: held, jobs_complete: complete } : {}),
        // In the shutdown grace: the coordinator shows it and hands this miner nothing new.
        ...(this.#stopping.signal.aborted ? { stopping: true } : {}),
      },
      this.#stopped.signal,
    );
    const reconciling = complete ? beat.catch(() => undefined) : undefined;
    if (reconciling) this.#reconciling = reconciling;
    try {
      const answer = await beat;
      this.#checkClock(answer.server_time, sentAt);
      if (answer.storage_full === true) this.#coordinatorFull();
      else this.#ok();
      this.#settleLeases(answer);
      if (!this.#registered) {
        this.#registered = true;
        this.#log.info("registered with the coordinator", {
          miner_id: this.config.minerId,
          workloads: capabilities.workloads.join(","),
        });
        this.#registeredNow.notify();
      }
      // "stopping" echoes our own flag, and says nothing about an admin's drain.
      const draining = answer.status === "stopping" ? this.#draining : answer.status === "draining";
      if (draining !== this.#draining) {
        this.#draining = draining;
        this.#log.info(
          draining ? "the coordinator drains this miner: no new jobs" : "the coordinator no longer drains this miner",
        );
      }
      return this.config.heartbeatSecs * 1000;
    } catch (error) {
      if (this.#stopped.signal.aborted) return 0;
      const delay = Math.min(this.config.heartbeatSecs * 1000, this.#down(error));
      // The answer alone ("401 UNAUTHORIZED: …"), without the request line, which names COORD_URL again.
      if (this.#trouble === "refused")
        this.#refused.resolve((error as Error).message.replace(/^\S+ \S+ answered /, ""));
      return delay;
    } finally {
      if (reconciling && this.#reconciling === reconciling) this.#reconciling = undefined;
    }
  }

  /** Says once when this machine's clock is far off the coordinator's, and once when they agree again. */
  #checkClock(serverTime: string | undefined, sentAt: number): void {
    const skew = clockSkewMs(serverTime, sentAt, this.#clock.now());
    if (skew === undefined) return;
    const skewed = Math.abs(skew) > CLOCK_SKEW_WARN_MS;
    if (skewed === this.#clockSkewed) return;
    this.#clockSkewed = skewed;
    if (skewed) {
      this.#log.warn(
        `this machine's clock is ${describeSkew(skew)} the coordinator's: log and result times will not match its receipts (set up NTP)`,
        { coordinator: this.config.coordUrl, skew_s: Math.round(skew / 1000) },
      );
    } else
      this.#log.info("this machine's clock agrees with the coordinator's again", { coordinator: this.config.coordUrl });
  }

  /** Acts on what a heartbeat answer says about our leases and the coordinator's output limit. */
  #settleLeases(answer: HeartbeatAnswer): void {
    if (typeof answer.max_output_bytes === "number") this.#maxOutputBytes = answer.max_output_bytes;
    for (const lost of answer.lost_jobs ?? []) {
      // A job whose result waits in the outbox is left to it: the delivery's answer settles it.
      const running = this.#running.get(lost.id);
      if (!running || running.stop.signal.aborted) continue;
      this.#log.warn("the coordinator no longer leases this job to this miner: stopping it", {
        job: lost.id,
        reason: lost.reason,
      });
      running.stop.abort(
        new JobAbort("LEASE_LOST", `the coordinator no longer leases this job to this miner (${lost.reason})`),
      );
    }
    if (answer.released_jobs && answer.released_jobs.length > 0) {
      this.#log.warn("the coordinator took back leases of jobs this miner does not hold (lost in a restart)", {
        jobs: answer.released_jobs.join(","),
      });
    }
  }

  /**
   * One poll for work when a slot is free: long-polls `next` and starts the job it gets.
   * Returns the job started (if any) and the delay before the next poll.
   */
  async pollOnce(): Promise<{ job: LeasedJob | undefined; delayMs: number }> {
    while (this.#reconciling) await this.#reconciling;
    if (this.freeSlots() === 0 || this.#stopping.signal.aborted) return { job: undefined, delayMs: 0 };
    const started = this.#clock.now();
    let job: LeasedJob | undefined;
    this.#claiming++;
    try {
      job = await this.#deps.client.next(
        {
          miner: this.config.minerId,
          slots: this.config.maxConcurrency,
          wait: this.config.pollWaitSecs,
          done: this.#finishedUndelivered(),
        },
        this.#stopping.signal,
      );
      // From here to startJob() nothing awaits: no heartbeat can list our jobs in between.
      this.#claiming--;
      this.#claimAnswered.notify();
      this.#ok(false);
    } catch (error) {
      this.#claiming--;
      this.#claimAnswered.notify();
      if (this.#stopping.signal.aborted) return { job: undefined, delayMs: 0 };
      if (error instanceof CoordinatorError && error.code === "MINER_NOT_REGISTERED") {
        // The coordinator lost or never saw our registration: heartbeat again right away.
        this.#registered = false;
        await this.heartbeatOnce();
      }
      return { job: undefined, delayMs: this.#down(error) };
    }
    if (!job) {
      const elapsed = this.#clock.now() - started;
      return { job: undefined, delayMs: Math.max(0, this.config.jobPollSecs * 1000 - elapsed) };
    }
    this.startJob(job);
    return { job, delayMs: 0 };
  }

  /**
   * Jobs finished here whose proofs or fails wait in the outbox: the claim names them so that the
   * coordinator does not count them against our slots, and the next job starts while the proof is
   * delivered instead of after it commits. At most as many as our slots: that bridges a delivery,
   * while proofs the coordinator keeps refusing to take hold the slots again (backpressure, not a
   * growing pile of undelivered work). Jobs that came back to us (running again) are not finished.
   * Before them, the running jobs about to end or being written to the outbox (claimed ahead): they
   * hold no slot here either.
   */
  #finishedUndelivered(): string[] {
    const done: string[] = [];
    for (const running of this.#running.values()) {
      if (running.finishing && done.length < MAX_DONE_PER_CLAIM) done.push(running.job.id);
    }
    const most = Math.min(done.length + this.config.maxConcurrency, MAX_DONE_PER_CLAIM);
    for (const id of this.#deps.store.pendingJobIds()) {
      if (done.length >= most) break;
      if (!this.#running.has(id)) done.push(id);
    }
    return done;
  }

  /** Runs a leased job in a slot; the slot frees when the job has an outcome, before delivery. */
  startJob(job: LeasedJob): RunningJob {
    const existing = this.#running.get(job.id);
    if (existing) return existing;
    this.#log.info("job started", {
      job: job.id,
      workload: job.workload,
      attempt: job.attempt,
      max_runtime_s: job.max_runtime_s,
    });
    const stop = new AbortController();
    const running: RunningJob = { job, startedAt: this.#clock.now(), done: Promise.resolve(), stop, finishing: false };
    const ahead = this.config.claimAheadMs;
    const endsIn =
      ahead > 0
        ? (ms: number) => {
            if (ms <= ahead) this.#finishing(running);
          }
        : undefined;
    running.done = runJob(job, {
      workloads: this.offered,
      machine: this.machineView,
      clock: this.#clock,
      stop: AbortSignal.any([this.#giveBack.signal, stop.signal]),
      workDir: (id) => this.#deps.store.jobDir(id),
      ...(endsIn ? { endsIn } : {}),
    })
      .then((outcome) => {
        // Its slot is claimed while the outcome is written to the outbox, not after.
        this.#finishing(running);
        return this.#record(job, outcome).catch((error: unknown) => this.#unrecorded(job, outcome, error));
      })
      .finally(() => {
        this.#running.delete(job.id);
        // A claim for this slot is on its way, or about to go: the proof waits for its answer.
        const claiming = this.#claiming > 0 || (this.#waitingForSlot && this.freeSlots() > 0);
        this.#slotFreed.notify();
        this.#deliverAfterClaim(claiming);
      });
    this.#running.set(job.id, running);
    return running;
  }

  /** The job holds its slot no more (it is about to end, or ended): the poll may claim the slot. */
  #finishing(running: RunningJob): void {
    if (running.finishing) return;
    running.finishing = true;
    this.#slotFreed.notify();
  }

  /**
   * Wakes the outbox for a finished job's proof. When the freed slot is being claimed right now, the
   * proof goes once that claim has its answer (at most CLAIM_FIRST_MS later): sent together, the
   * proof's commit delays the claim, and the next job then starts about 5 ms later each time. The
   * claim names the job as done, so it does not wait for the proof either.
   */
  #deliverAfterClaim(claiming: boolean): void {
    if (!claiming) {
      this.#outboxNudge.notify();
      return;
    }
    const capped = new AbortController();
    void Promise.race([
      this.#claimAnswered.wait(this.#stopping.signal),
      this.#clock.sleep(CLAIM_FIRST_MS, capped.signal),
    ]).then(() => {
      capped.abort();
      this.#outboxNudge.notify();
    });
  }

  /**
   * The outcome could not be written to the outbox (WORK_DIR full or unwritable), so the outbox
   * cannot deliver it: the job is given back at once with a fail sent from memory (a proof becomes
   * RESULT_NOT_RECORDED; a fail keeps its own code), so it goes to another attempt now instead of
   * its lease living on until max_runtime_s and ending charged as a runtime overrun. If that fail
   * cannot be delivered either, the job is dropped all the same: it leaves #running when this
   * returns and no heartbeat lists it again, so its lease is not renewed and expires.
   */
  async #unrecorded(job: LeasedJob, outcome: JobOutcome, error: unknown): Promise<void> {
    const why = error instanceof Error ? error.message : String(error);
    this.#failed++;
    if (outcome.kind === "failed" && outcome.code === "MINER_SHUTDOWN") this.#givenBack++;
    this.#log.error("could not record a job's result: giving the job back", { job: job.id, error: why });
    try {
      // Whatever was half written (an empty output file) only takes space the disk does not have.
      this.#deps.store.discard(job.id);
    } catch {
      // The directory stays; it holds no entry, so nothing reads it.
    }
    const notRecorded = `the miner could not write this job's result to its WORK_DIR (${why})`;
    const [code, message] =
      outcome.kind === "failed"
        ? [outcome.code, `${outcome.message}; ${notRecorded}`]
        : [RESULT_NOT_RECORDED, notRecorded];
    const request = { id: job.id, error_code: code, message: message.slice(0, 2000) };
    let verdict: AnswerVerdict;
    try {
      const answer = await this.#deps.client.deliver("/v1/miner/fail", request, randomUUID());
      verdict = judgeAnswer("fail", { status: answer.status, errorCode: answer.code, details: answer.details });
      if (verdict === "retry") this.#down(this.#answerError("/v1/miner/fail", answer));
      else this.#ok(answer.status >= 200 && answer.status < 300);
    } catch (failure) {
      this.#down(failure);
      verdict = "retry";
    }
    if (verdict === "acked") this.#log.info("job given back", { job: job.id, code });
    else this.#log.warn("could not give the job back either: its lease is left to expire", { job: job.id, code });
  }

  /** Writes the outcome to the outbox (fsynced) before anything is sent. */
  async #record(job: LeasedJob, outcome: JobOutcome): Promise<void> {
    const lease = job.lease_token === undefined ? {} : { lease_token: job.lease_token };
    if (outcome.kind === "failed" && outcome.code === "LEASE_LOST") {
      // Nothing to send: the lease is not ours any more, and a fail would be refused.
      this.#log.info("job stopped", { job: job.id, error: outcome.message, seconds: outcome.seconds });
      this.#deps.store.discard(job.id);
      return;
    }
    if (outcome.kind === "failed") {
      const level = outcome.code === "MINER_SHUTDOWN" ? "info" : "warn";
      this.#log[level]("job failed", {
        job: job.id,
        code: outcome.code,
        error: outcome.message,
        seconds: outcome.seconds,
      });
      await this.#deps.store.save({
        kind: "fail",
        jobId: job.id,
        attempt: job.attempt,
        request: { id: job.id, error_code: outcome.code, message: outcome.message.slice(0, 2000) },
      });
      // Counted once recorded: a result that could not be is counted by #unrecorded.
      this.#failed++;
      if (outcome.code === "MINER_SHUTDOWN") this.#givenBack++;
      return;
    }
    const { bytes, encoding, extension } = encodeOutput(outcome.result);
    const output = this.config.faultCorruptOutput ? corruptOutput(bytes) : bytes;
    const outputSha = sha256Hex(output);
    const signature = this.#deps.key.sign(
      proofMessage({ job_id: job.id, miner_id: this.config.minerId, output_sha: outputSha }),
    );
    await this.#deps.store.save({
      kind: "proof",
      jobId: job.id,
      attempt: job.attempt,
      request: {
        id: job.id,
        mode: this.#deps.machine.accel,
        output_sha: outputSha,
        metrics: { ...outcome.result.metrics, content_type: outcome.result.contentType },
        signature,
        ...lease,
      },
      output: { bytes: output, encoding, extension },
    });
    this.#completed++;
    this.#log.info("job done", { job: job.id, output_sha: outputSha, seconds: outcome.seconds, bytes: output.length });
  }

  /** Sends one outbox entry; returns the verdict and, for a retry, the suggested delay. */
  async deliver(entry: OutboxEntry): Promise<{ verdict: AnswerVerdict; delayMs: number }> {
    const path = entry.kind === "proof" ? "/v1/miner/proof" : "/v1/miner/fail";
    const outputBytes = entry.kind === "proof" ? this.#deps.store.outputBytes(entry) : undefined;
    if (!fitsInline(outputBytes, this.#maxOutputBytes)) {
      return this.#giveBackInstead(entry, "OUTPUT_TOO_LARGE", outputTooLargeMessage(outputBytes, this.#maxOutputBytes));
    }
    let body: Record<string, unknown>;
    try {
      body = this.#deps.store.body(entry);
    } catch (error) {
      await this.#deps.store.update(entry, "rejected", {
        status: null,
        body: `output file unreadable: ${(error as Error).message}`,
      });
      this.#log.error("result output is missing; cannot deliver", { job: entry.job_id });
      return { verdict: "rejected", delayMs: 0 };
    }
    let answer: DeliveryAnswer;
    try {
      answer = await this.#deps.client.deliver(path, body, entry.idempotency_key);
    } catch (error) {
      return { verdict: "retry", delayMs: this.#down(error) };
    }
    const outputSha = typeof entry.request.output_sha === "string" ? entry.request.output_sha : undefined;
    const verdict = judgeAnswer(
      entry.kind,
      { status: answer.status, errorCode: answer.code, details: answer.details },
      outputSha,
    );
    if (verdict === "retry") return { verdict, delayMs: this.#down(this.#answerError(path, answer)) };
    // A refusal is a decision, not a write: it says nothing about a full disk.
    this.#ok(verdict === "acked");
    await this.#deps.store.update(entry, verdict, { status: answer.status, body: answer.body });
    if (verdict === "acked") {
      const b = (answer.body ?? {}) as { state?: unknown; credited?: unknown };
      this.#log.info(entry.kind === "proof" ? "proof accepted" : "job given back", {
        job: entry.job_id,
        state: typeof b.state === "string" ? b.state : undefined,
        credited: typeof b.credited === "number" ? b.credited : undefined,
      });
    } else {
      this.#log.warn(`${entry.kind} refused by the coordinator; not sending it again`, {
        job: entry.job_id,
        status: answer.status,
        code: answer.code,
      });
      if (entry.kind === "proof" && !leaseGone(answer.code)) return this.#giveBackRefused(entry, answer, outputBytes);
    }
    return { verdict, delayMs: 0 };
  }

  /** An answer to retry later, as the error the link state reads (status, code, Retry-After). */
  #answerError(path: string, answer: DeliveryAnswer): CoordinatorError {
    return new CoordinatorError(
      answer.status,
      answer.code ?? `HTTP_${answer.status}`,
      `POST ${this.#deps.client.urlOf(path)} answered ${answer.status} ${answer.code ?? ""}`.trim(),
      answer.details,
      answer.retryAfterMs,
    );
  }

  /** A proof refused while the lease is still ours: the job is given back, saying why. */
  #giveBackRefused(
    entry: OutboxEntry,
    answer: { status: number; code?: string; details?: Record<string, unknown>; body: unknown },
    outputBytes: number | undefined,
  ): Promise<{ verdict: AnswerVerdict; delayMs: number }> {
    if (answer.status === 413) {
      const limit = answer.details?.max_output_bytes;
      if (typeof limit === "number") this.#maxOutputBytes = limit;
      return this.#giveBackInstead(
        entry,
        "OUTPUT_TOO_LARGE",
        outputTooLargeMessage(outputBytes, typeof limit === "number" ? limit : undefined),
      );
    }
    const said = (answer.body as { error?: { message?: unknown } } | null)?.error?.message;
    const why = `${answer.status} ${answer.code ?? ""}${typeof said === "string" ? `: ${said}` : ""}`;
    return this.#giveBackInstead(entry, "PROOF_REFUSED", `the coordinator refused this miner's proof (${why})`);
  }

  /**
   * Replaces a proof that cannot be delivered with a fail for the same job, and sends it: the lease
   * ends now and the client reads why, instead of the lease living on until max_runtime_s. The
   * output stays in WORK_DIR for the operator.
   */
  async #giveBackInstead(
    entry: OutboxEntry,
    code: string,
    message: string,
  ): Promise<{ verdict: AnswerVerdict; delayMs: number }> {
    this.#log.warn("cannot deliver this result: giving the job back", {
      job: entry.job_id,
      code,
      error: message,
      output: this.#deps.store.outputPath(entry),
    });
    const fail = await this.#deps.store.save({
      kind: "fail",
      jobId: entry.job_id,
      attempt: entry.attempt,
      request: { id: entry.job_id, error_code: code, message: message.slice(0, 2000) },
    });
    return this.deliver(fail);
  }

  /** One pass over the outbox. Returns the delay before the next pass (undefined: nothing left). */
  async deliverPending(): Promise<number | undefined> {
    let delay: number | undefined;
    for (const entry of this.#deps.store.pending()) {
      let step: { verdict: AnswerVerdict; delayMs: number };
      try {
        step = await this.deliver(entry);
      } catch (error) {
        // WORK_DIR took no write (the answer's record, a fail in a refused proof's place): the
        // entry stays pending and goes again, with the same Idempotency-Key, so the coordinator
        // answers as before. Said once until a write succeeds again.
        this.#outboxFailures++;
        if (this.#outboxFailures === 1) {
          this.#log.error("cannot write to WORK_DIR: results are kept and sent again", {
            job: entry.job_id,
            error: (error as Error).message,
          });
        }
        return backoffDelay(this.#backoff, this.#outboxFailures, this.#random);
      }
      if (this.#outboxFailures > 0 && step.verdict !== "retry") {
        this.#log.info("WORK_DIR takes writes again", { failures: this.#outboxFailures });
        this.#outboxFailures = 0;
      }
      if (step.verdict === "retry") {
        delay = step.delayMs;
        break; // The coordinator is down or busy: the rest would fail the same way.
      }
    }
    return delay;
  }

  /**
   * Removes what crashed jobs left in WORK_DIR (folders never committed, old temps; see
   * ResultStore.sweepLeftovers) and says so in one line. At start, and then with every prune.
   */
  async sweepLeftovers(): Promise<SweptLeftovers> {
    const swept = await this.#deps.store.sweepLeftovers();
    if (swept.folders > 0 || swept.tempFiles > 0) {
      this.#log.info("removed what crashed jobs left in WORK_DIR", {
        folders: swept.folders,
        temp_files: swept.tempFiles,
        bytes: swept.bytes,
      });
    }
    if (swept.errors.length > 0) {
      this.#log.warn("could not remove what crashed jobs left in WORK_DIR", {
        count: swept.errors.length,
        error: swept.errors[0],
      });
    }
    return swept;
  }

  /** Removes settled results kept longer than RESULT_RETENTION_DAYS (and crashes' leftovers); returns how many results. */
  async pruneOnce(): Promise<number> {
    await this.sweepLeftovers();
    const retentionMs = this.config.resultRetentionDays * 86_400_000;
    const { removed, errors } = await this.#deps.store.prune(retentionMs, this.#stopping.signal);
    if (removed > 0) this.#log.debug("pruned old settled results", { removed });
    if (errors.length > 0) {
      this.#log.warn("could not remove old settled results", { count: errors.length, error: errors[0] });
    }
    return removed;
  }

  /**
   * Resolves with the coordinator's reason when it refuses this miner's API_KEY/MINER_ID at a
   * heartbeat. Retrying cannot fix that, so a daemon stops on it (exit 78, which systemd does not
   * restart) rather than look healthy doing nothing; an outage never resolves it.
   */
  credentialsRefused(): Promise<string> {
    return this.#refused.promise;
  }

  // ── loops ───────────────────────────────────────────────────────────────────────────────

  start(): void {
    if (this.#loops.length > 0) return;
    const pending = this.#deps.store.pendingJobIds().size;
    if (pending > 0) this.#log.info("re-sending results kept from before", { pending });
    this.#loops = [this.#heartbeatLoop(), this.#pollLoop(), this.#outboxLoop(), this.#pruneLoop()];
  }

  /** Beats until the miner has stopped, through the shutdown grace: jobs finishing in it keep their leases. */
  async #heartbeatLoop(): Promise<void> {
    const stop = this.#stopped.signal;
    while (!stop.aborted) {
      const delay = await this.heartbeatOnce();
      await this.#clock.sleep(delay, stop);
    }
  }

  async #pollLoop(): Promise<void> {
    const stop = this.#stopping.signal;
    while (!stop.aborted) {
      if (!this.#registered) {
        await this.#registeredNow.wait(stop);
        continue;
      }
      if (this.#draining) {
        await this.#clock.sleep(this.config.heartbeatSecs * 1000, stop);
        continue;
      }
      if (this.freeSlots() === 0) {
        this.#waitingForSlot = true;
        await this.#slotFreed.wait(stop);
        this.#waitingForSlot = false;
        continue;
      }
      const { delayMs } = await this.pollOnce();
      if (delayMs > 0) await this.#backoffSleep(delayMs, stop);
    }
  }

  /** Delivers until the miner has stopped: a job finished in the shutdown grace is proved at once. */
  async #outboxLoop(): Promise<void> {
    const stop = this.#stopped.signal;
    while (!stop.aborted) {
      const nudged = this.#outboxNudge.wait(stop);
      const delay = await this.deliverPending();
      if (delay === undefined) await nudged;
      else await this.#backoffSleep(delay, stop);
    }
  }

  async #pruneLoop(): Promise<void> {
    const stop = this.#stopping.signal;
    while (!stop.aborted) {
      await this.pruneOnce();
      await this.#clock.sleep(PRUNE_EVERY_MS, stop);
    }
  }

  /** Resolves when no job is running (tests, and the graceful stop). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /**
   * Graceful stop: no new jobs; running ones get `graceMs` to finish, heartbeats renewing their
   * leases and results delivered meanwhile; the rest are given back (fail MINER_SHUTDOWN); then one
   * last delivery pass. Undelivered results stay in WORK_DIR and are sent on the next start.
   */
  async stop(graceMs = this.config.shutdownGraceSecs * 1000): Promise<{ gaveBack: number; pending: number }> {
    if (!this.#stopping.signal.aborted) {
      this.#stopping.abort(new JobAbort("MINER_SHUTDOWN", "stopping"));
      this.#log.info(
        this.#running.size > 0
          ? "stopping: no new jobs; running ones may finish, heartbeats go on meanwhile"
          : "stopping: no new jobs",
        { running: this.#running.size, grace_s: graceMs / 1000 },
      );
      // Tell the coordinator now, not at the next beat: the admin sees "stopping" at once.
      if (this.#running.size > 0 && this.#registered) void this.heartbeatOnce();
    }
    if (this.#running.size > 0) {
      const timeUp = new AbortController();
      const finished = this.idle().then(() => timeUp.abort());
      await this.#clock.sleep(graceMs, timeUp.signal);
      if (this.#running.size > 0) {
        this.#log.warn("grace period over: giving running jobs back", { jobs: [...this.#running.keys()].join(",") });
        this.#giveBack.abort(
          new JobAbort("MINER_SHUTDOWN", "the miner is shutting down; job given back for another miner"),
        );
      }
      await finished;
    }
    this.#stopped.abort();
    await Promise.all(this.#loops);
    // One last delivery pass; whatever the coordinator does not take now waits in WORK_DIR
    // for the next start (no retry loop here: a stop must not hang on a dead coordinator).
    await this.deliverPending();
    for (const workload of this.#deps.workloads) await workload.close?.();
    const pending = this.#deps.store.pending().length;
    this.#log.info("stopped", { pending_results: pending });
    return { gaveBack: this.#givenBack, pending };
  }
}

function detectSafely(workload: Workload, view: MachineView): Promise<Availability> {
  return workload
    .detect(view)
    .catch((error: unknown) => ({ available: false, reason: `detection failed: ${(error as Error).message}` }));
}

/** Text outputs travel as UTF-8, anything else as base64; the file extension follows the type. */
export function encodeOutput(result: WorkloadResult): {
  bytes: Buffer;
  encoding: "utf8" | "base64";
  extension: string;
} {
  const bytes = typeof result.output === "string" ? Buffer.from(result.output, "utf8") : result.output;
  const type = result.contentType.split(";")[0]?.trim() ?? "";
  const textual = type.startsWith("text/") || type === "application/json";
  const extension = type === "image/png" ? "png" : type === "application/json" ? "json" : textual ? "txt" : "bin";
  const roundTrips = textual && Buffer.from(bytes.toString("utf8"), "utf8").equals(bytes);
  return { bytes, encoding: roundTrips ? "utf8" : "base64", extension };
}
