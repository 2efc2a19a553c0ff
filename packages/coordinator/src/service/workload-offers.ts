// Which workloads the online miners offer, for the submit answer's NO_MINER_OFFERS_WORKLOAD warning,
// and the online miners themselves, for the job warnings (core/job-warnings.ts).
// A workload found offered is trusted for a few seconds (submits at full rate read nothing more); one
// not found is looked up again every time, so a miner that has just registered is seen at once.
// Concurrent look-ups share one read.
import { canReceiveWork, minerWorkloads } from "../core/matching.ts";
import type { Miner } from "../core/model.ts";
import type { StoreReads } from "../store/types.ts";

const FRESH_MS = 5_000;
const PAGE = 1_000;

export class WorkloadOffers {
  readonly #reads: Pick<StoreReads, "miners">;
  readonly #clock: () => number;
  readonly #heartbeatTimeoutMs: number;
  #offered = new Set<string>();
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<Set<string>> | undefined;

  constructor(reads: Pick<StoreReads, "miners">, clock: () => number, heartbeatTimeoutS: number) {
    this.#reads = reads;
    this.#clock = clock;
    this.#heartbeatTimeoutMs = heartbeatTimeoutS * 1000;
  }

  /** The workloads online miners offer now, when `workload` is not among them; undefined when it is. */
  async missing(workload: string): Promise<string[] | undefined> {
    if (this.#clock() - this.#readAt < FRESH_MS && this.#offered.has(workload)) return undefined;
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    const offered = await this.#reading;
    return offered.has(workload) ? undefined : [...offered].sort();
  }

  /**
   * The miners that may be handed work now: heard within the heartbeat timeout (the sweeper may not
   * have marked them offline yet) and not drained by an admin; a stopping miner is about to come
   * back, so it counts. One uncached read of the miners, a bounded set; never on the claim path.
   */
  async online(): Promise<Miner[]> {
    const now = this.#clock();
    const online: Miner[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#reads.miners(PAGE, after);
      for (const miner of page) {
        if (
          miner.online &&
          now - miner.lastSeenAt < this.#heartbeatTimeoutMs &&
          canReceiveWork({ ...miner, stopping: false })
        ) {
          online.push(miner);
        }
      }
      if (page.length < PAGE) break;
      after = page.at(-1)?.id;
    }
    return online;
  }

  async #read(): Promise<Set<string>> {
    const now = this.#clock();
    const offered = new Set<string>();
    for (const miner of await this.online()) {
      for (const name of minerWorkloads(miner)) offered.add(name);
    }
    this.#offered = offered;
    this.#readAt = now;
    return offered;
  }
}
