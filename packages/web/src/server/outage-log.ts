// One warning per outage, not one per request: a dashboard open in front of a service that is down
// asks it several times a second (the live job list, the counters, the agent's metrics), and
// `pithead web` writes its warnings to the terminal, where one JSON line per request buried
// everything else. The first failure is said, then nothing until the service answers again.

import type { FastifyBaseLogger } from "fastify";

export class OutageLog<Name extends string> {
  /** Services said to be down, with how many requests failed since. */
  readonly #down = new Map<Name, number>();

  failed(name: Name, log: FastifyBaseLogger, details: Record<string, unknown>): void {
    const failures = this.#down.get(name);
    this.#down.set(name, (failures ?? 0) + 1);
    if (failures === undefined)
      log.warn({ service: name, ...details }, "service unreachable (said once, until it answers again)");
  }

  /** Said at the outage's level: a log that showed the outage (`pithead web` keeps warnings) shows its end. */
  answered(name: Name, log: FastifyBaseLogger): void {
    const failures = this.#down.get(name);
    if (failures === undefined) return;
    this.#down.delete(name);
    log.warn({ service: name, failedRequests: failures }, "service answering again");
  }
}
