// Watches `pithead up`'s compute miner. It runs in this process and does not exit when the
// coordinator refuses it (it keeps retrying, as a daemon should), so `up` learns of trouble from
// what the miner logs: its error lines (refused credentials, a result it cannot deliver) go to the
// terminal as well as to its log file. Start-up waits until the miner has registered, so the
// summary says "running" only when the miner is.

import type { Logger } from "@pithead/miner";

export class MinerWatch {
  /** The logger to give the miner: `inner`, with its error lines watched. */
  readonly logger: Logger;
  #lastError: string | undefined;
  #onError: ((line: string) => void) | undefined;
  #wake: (() => void) | undefined;

  constructor(inner: Logger) {
    this.logger = {
      debug: (message, fields) => inner.debug(message, fields),
      info: (message, fields) => inner.info(message, fields),
      warn: (message, fields) => inner.warn(message, fields),
      error: (message, fields) => {
        inner.error(message, fields);
        const line = typeof fields?.error === "string" ? `${message} (${fields.error})` : message;
        this.#lastError = line;
        this.#onError?.(line);
        this.#wake?.();
      },
    };
  }

  /** From now on, each error line of the miner is passed to `report`. */
  reportErrors(report: (line: string) => void): void {
    this.#onError = report;
  }

  /**
   * Resolves once `registered()` says so; rejects with the miner's error line if it logs one first
   * (the coordinator refused it), or after `timeoutMs`.
   */
  async untilRegistered(registered: () => boolean, timeoutMs: number, pollMs = 100): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#lastError = undefined;
    try {
      while (!registered()) {
        if (this.#lastError) throw new Error(this.#lastError);
        if (Date.now() >= deadline)
          throw new Error(`it did not register with the coordinator within ${Math.round(timeoutMs / 1000)} s`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.#wake = undefined;
    }
  }
}
