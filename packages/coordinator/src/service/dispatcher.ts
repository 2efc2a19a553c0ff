// Long-poll dispatch. Miners waiting on `GET /v1/miner/next?wait=` or `POST /v1/miner/claim` sit
// in an in-memory list. Two ways a waiter gets a job:
//  - Follow-up claims: when a batch of this process queues jobs, claims for matching waiters run
//    in that same transaction, so the job and its lease are committed together (one fsync from
//    submit to a miner holding the job). What those claims read (the miner, its first page of
//    candidates) is loaded with the batch's own rows, before its ops run.
//  - Rounds: after any commit that opened replicas (here, or in another process via NOTIFY) and on
//    a slow backstop poll, waiters are tried in order, as many at a time as replicas were opened.
// Waiters are ordered fewest jobs in flight first, then by reputation tier, then longest waiting.
import { isFinal } from "../core/model.ts";
import { type Claimed, candidatePageSize } from "../ops/claim-jobs.ts";
import type { FollowUp, FollowUpSource } from "../store/group-commit.ts";
import type { JobEvent, Op, OpenedSlots, WriteHints } from "../store/types.ts";

export interface WaitRequest {
  minerId: string;
  /** The claim for this waiter, as an op (run in a group commit). */
  claim: Op<Claimed[]>;
  /** The rows the claim reads (its miner): loaded with the rest of its batch. */
  hints?: WriteHints;
  /** Most jobs one claim of this waiter takes (`max_jobs`): how many open replicas it can cover. */
  capacity: number;
  workloads: readonly string[];
  /** The miner's wallet when it started waiting (its claim's candidates exclude that wallet's jobs). */
  wallet: string;
  inFlight: number;
  reputation: number;
  deadline: number;
  /**
   * Jobs its claim commits after the request went away stay leased (a claim with an
   * Idempotency-Key stored them for the retry that replays its answer); otherwise they go back.
   */
  keep?: boolean;
  signal: AbortSignal;
}

interface Waiter extends WaitRequest {
  since: number;
  /** A claim for it is in flight. */
  busy: boolean;
  /** Something was announced while it was busy: try again when the current claim is done. */
  missed: boolean;
  /** The deadline passed while a claim was in flight: answer with whatever that claim gets. */
  late: boolean;
  done: boolean;
  resolve(claimed: Claimed[]): void;
}

export interface DispatcherOptions {
  /** Runs an op in the store's next group commit. */
  write<T>(op: Op<T>, hints?: WriteHints): Promise<T>;
  /** Gives back leases claimed for a request that went away before they could be delivered. */
  release(claimed: Claimed[]): Promise<void>;
  /** Cheap read: is any job with an open replica for these workloads there at all? */
  anyClaimable(workloads: readonly string[]): Promise<boolean>;
  /** Backstop poll while miners wait (ms); 0 disables it (SQLite: every change is local). */
  pollIntervalMs: number;
  onError(error: unknown): void;
}

/**
 * Fewest jobs in flight first; then the more reputable by tiers of 100 points (a few points
 * earned by staying busy must not starve everyone else); then the longest waiting.
 */
const tier = (waiter: Waiter) => Math.floor(waiter.reputation / 100);
const order = (a: Waiter, b: Waiter) => a.inFlight - b.inFlight || tier(b) - tier(a) || a.since - b.since;

export class Dispatcher implements FollowUpSource {
  readonly #options: DispatcherOptions;
  readonly #waiters = new Set<Waiter>();
  #roundRunning = false;
  #roundAgain = false;
  /** Replicas announced since the last round: how many waiters to try first. */
  #announced = 0;
  #poll: NodeJS.Timeout | undefined;
  #sequence = 0;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Waits until a claim for this miner gets at least one job, the deadline passes or the signal
   * aborts (then answers []). Tries once at once: the waiter is registered before that first try,
   * so a job committed in between still reaches it.
   */
  wait(request: WaitRequest): Promise<Claimed[]> {
    return new Promise<Claimed[]>((resolve) => {
      const waiter: Waiter = {
        ...request,
        since: this.#sequence++,
        busy: false,
        missed: false,
        late: false,
        done: false,
        resolve: (claimed) => {
          if (waiter.done) return;
          waiter.done = true;
          clearTimeout(timer);
          request.signal.removeEventListener("abort", onAbort);
          this.#waiters.delete(waiter);
          this.#updatePoll();
          resolve(claimed);
        },
      };
      const timer = setTimeout(
        () => {
          if (waiter.busy) waiter.late = true;
          else waiter.resolve([]);
        },
        Math.max(0, request.deadline - Date.now()),
      );
      const onAbort = () => waiter.resolve([]);
      if (request.signal.aborted) {
        waiter.resolve([]);
        return;
      }
      request.signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
      this.#updatePoll();
      void this.#firstTry(waiter);
    });
  }

  /**
   * Claims to run in the transaction that produced `events`, for waiters whose workloads match the
   * jobs that got open replicas. Their answers go out after that transaction commits.
   */
  followUps(events: readonly JobEvent[]): FollowUp[] {
    const opened = events
      .filter((event) => event.open_slots > 0 && !isFinal(event.state))
      .map((event) => ({ workload: event.workload, slots: event.open_slots }));
    return [...this.#chooseFor(opened)].map((waiter) => {
      waiter.busy = true;
      waiter.missed = false;
      return {
        op: waiter.claim,
        resolve: (claimed: unknown) => void this.#claimed(waiter, claimed as Claimed[]),
        reject: (error: unknown) => this.#failed(waiter, error),
        hints: waiter.hints,
      };
    });
  }

  /**
   * What the follow-ups for these replicas would read, were they opened now: the chosen waiters'
   * miners and first candidate pages. A guess (the batch's ops may fail, waiters may leave): a claim
   * that finds its page not loaded reads it then.
   */
  likelyReads(opened: readonly OpenedSlots[]): WriteHints | undefined {
    const chosen = this.#chooseFor(opened);
    if (chosen.size === 0) return undefined;
    return {
      minerIds: [...chosen].map((waiter) => waiter.minerId),
      candidates: [...chosen].map((waiter) => ({
        minerId: waiter.minerId,
        wallet: waiter.wallet,
        workloads: waiter.workloads,
        limit: candidatePageSize(Math.max(1, waiter.capacity)),
      })),
    };
  }

  /** Free waiters, in order, enough to cover the opened replicas (by each one's claim size). */
  #chooseFor(opened: readonly OpenedSlots[]): Set<Waiter> {
    if (this.#waiters.size === 0 || opened.length === 0) return new Set();
    const free = [...this.#waiters].filter((waiter) => !waiter.busy && !waiter.done).sort(order);
    // Room left in each chosen waiter's claim: a waiter taking 16 at a time covers 16 new replicas.
    const chosen = new Map<Waiter, number>();
    for (const { workload, slots: opening } of opened) {
      let slots = opening;
      for (const waiter of free) {
        if (slots <= 0) break;
        if (!waiter.workloads.includes(workload)) continue;
        const room = chosen.get(waiter) ?? Math.max(1, waiter.capacity);
        if (room <= 0) continue;
        const taken = Math.min(room, slots);
        chosen.set(waiter, room - taken);
        slots -= taken;
      }
    }
    return new Set(chosen.keys());
  }

  /** Something claimable may have appeared (`slots` replicas opened; 0 for a poll): run a round. */
  nudge(slots = 1): void {
    this.#announced += slots;
    if (this.#waiters.size === 0) return;
    if (this.#roundRunning) {
      this.#roundAgain = true;
      return;
    }
    void this.#round();
  }

  close(): void {
    for (const waiter of [...this.#waiters]) waiter.resolve([]);
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
  }

  /**
   * Tries waiters in order, enough at a time to cover the replicas announced (by each one's claim
   * size), doubling while anything claimable is left for the waiters not yet tried: one job and 64
   * waiters cost one claim, and a job only the tenth waiter can run still reaches it.
   */
  async #round(): Promise<void> {
    this.#roundRunning = true;
    try {
      do {
        this.#roundAgain = false;
        let remaining = [...this.#waiters].filter((waiter) => !waiter.done).sort(order);
        let step = Math.max(1, this.#announced);
        this.#announced = 0;
        while (remaining.length > 0) {
          const workloads = [...new Set(remaining.flatMap((waiter) => waiter.workloads))];
          if (!(await this.#options.anyClaimable(workloads))) break;
          let count = 0;
          for (let room = 0; count < remaining.length && room < step; count++) {
            room += Math.max(1, remaining[count]?.capacity ?? 1);
          }
          const batch = remaining.slice(0, count);
          remaining = remaining.slice(count);
          await Promise.all(batch.map((waiter) => this.#tryClaim(waiter)));
          step *= 2;
        }
      } while (this.#roundAgain);
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#roundRunning = false;
    }
  }

  /**
   * A new waiter's first try. A read says first whether anything is claimable at all (most long-polls
   * find nothing): no write transaction for those. The waiter is registered before the read, so a job
   * committed after it still reaches the waiter through that commit's follow-ups or nudge.
   */
  async #firstTry(waiter: Waiter): Promise<void> {
    try {
      if (!(await this.#options.anyClaimable(waiter.workloads))) return;
    } catch (error) {
      this.#options.onError(error);
    }
    await this.#tryClaim(waiter);
  }

  async #tryClaim(waiter: Waiter): Promise<void> {
    if (waiter.done) return;
    if (waiter.busy) {
      waiter.missed = true;
      return;
    }
    waiter.busy = true;
    waiter.missed = false;
    try {
      await this.#claimed(waiter, await this.#options.write(waiter.claim, waiter.hints));
    } catch (error) {
      this.#failed(waiter, error);
    }
  }

  /** A claim for `waiter` committed with `claimed`. */
  async #claimed(waiter: Waiter, claimed: Claimed[]): Promise<void> {
    waiter.busy = false;
    if (claimed.length > 0) {
      // A request that went away while its claim was committing cannot receive the jobs: give
      // them straight back rather than leave them leased until the lease expires.
      if (!waiter.done) waiter.resolve(claimed);
      else if (!waiter.keep)
        await this.#options.release(claimed).catch((error: unknown) => this.#options.onError(error));
      return;
    }
    if (waiter.missed && !waiter.done) await this.#tryClaim(waiter);
    else if (waiter.late) waiter.resolve([]);
  }

  #failed(waiter: Waiter, error: unknown): void {
    waiter.busy = false;
    this.#options.onError(error);
    waiter.resolve([]);
  }

  #updatePoll(): void {
    const interval = this.#options.pollIntervalMs;
    if (interval <= 0) return;
    if (this.#waiters.size > 0 && !this.#poll) {
      this.#poll = setInterval(() => this.nudge(0), interval);
      this.#poll.unref();
    } else if (this.#waiters.size === 0 && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }
}
