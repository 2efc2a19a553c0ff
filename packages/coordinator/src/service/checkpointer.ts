// Signs a ledger checkpoint every few seconds when records were added since the last one, so
// receipts and job records get inclusion proofs soon after they are written.
import type { Ledger } from "@pithead/ledger";
import type { ServiceLog } from "./coordinator.ts";

export class Checkpointer {
  readonly #ledger: Ledger;
  readonly #partition: string;
  readonly #log: () => ServiceLog;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(ledger: Ledger, partition: string, log: () => ServiceLog) {
    this.#ledger = ledger;
    this.#partition = partition;
    this.#log = log;
  }

  /** Checkpoints now (a no-op when nothing was appended since the latest checkpoint). */
  checkpoint(): Promise<unknown> {
    this.#running = this.#running.then(
      () => this.#ledger.checkpoint(this.#partition),
      () => this.#ledger.checkpoint(this.#partition),
    );
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
