// Which workloads the online miners offer, for the submit answer's NO_MINER_OFFERS_WORKLOAD warning.
// A workload found offered is trusted for a few seconds (submits at full rate read nothing more); one
// not found is looked up again every time, so a miner that has just registered is seen at once.
// Concurrent look-ups share one read.
import { canReceiveWork, minerWorkloads } from "../core/matching.ts";
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

  async #read(): Promise<Set<string>> {
    const now = this.#clock();
    const offered = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.#reads.miners(PAGE, after);
      for (const miner of page) {
        // Heard within the heartbeat timeout (the sweeper may not have marked it offline yet), and
        // not drained by an admin; a stopping miner is about to come back, so it still counts.
        const online = miner.online && now - miner.lastSeenAt < this.#heartbeatTimeoutMs;
        if (online && canReceiveWork({ ...miner, stopping: false })) {
          for (const name of minerWorkloads(miner)) offered.add(name);
        }
      }
      if (page.length < PAGE) break;
      after = page.at(-1)?.id;
    }
    this.#offered = offered;
    this.#readAt = now;
    return offered;
  }
}
