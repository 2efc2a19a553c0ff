// Signs a ledger checkpoint every few seconds when records were added since the last one, so
// receipts and job records get inclusion proofs soon after they are written.
import type { Ledger } from "@pithead/ledger";

export interface CheckpointLog {
  error(obj: object, msg: string): void;
}

/** Runs work between the store's write batches (see CoordinatorStore.exclusive). */
export interface Exclusive {
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

export class Checkpointer {
  readonly #ledger: Ledger;
  readonly #partition: string;
  readonly #log: () => CheckpointLog;
  readonly #between: Exclusive | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(ledger: Ledger, partition: string, log: () => CheckpointLog, between?: Exclusive) {
    this.#ledger = ledger;
    this.#partition = partition;
    this.#log = log;
    this.#between = between;
  }

  /** Checkpoints now (a no-op when nothing was appended since the latest checkpoint). */
  checkpoint(): Promise<unknown> {
    const sign = () =>
      this.#between
        ? this.#between.exclusive(() => this.#ledger.checkpoint(this.#partition))
        : this.#ledger.checkpoint(this.#partition);
    this.#running = this.#running.then(sign, sign);
    return this.#running;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.checkpoint().catch((error: unknown) => this.#log().error({ err: error }, "ledger checkpoint failed"));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.checkpoint().catch(() => {});
  }
}
