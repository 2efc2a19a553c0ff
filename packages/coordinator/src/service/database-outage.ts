// Whether this process can reach its database, as its writes find out, for two readers: the ops
// (`since`: the latest moment it could not hear miners, see core/hearing.ts) and the log. An
// outage is logged once when it begins (warn), at most once a minute while it lasts, and once when
// it ends (info, with how long it lasted) — not once per failed sweep, checkpoint or request.
import { isDatabaseUnavailable } from "@pithead/http";

export interface OutageLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DatabaseOutageOptions {
  /** The store's clock (what `since` is measured in). */
  clock: () => number;
  log: OutageLog;
  /** Wall clock for the log's times; Date.now unless a test steps it. */
  wallClock?: () => number;
  /** How often a lasting outage is logged again (ms). */
  remindEveryMs?: number;
  /** Told when an outage begins (true) and ends (false): the HTTP thread's pool log folds into it. */
  onChange?: (down: boolean) => void;
}

export class DatabaseOutage {
  readonly #clock: () => number;
  readonly #wall: () => number;
  readonly #log: OutageLog;
  readonly #remindEveryMs: number;
  readonly #onChange: (down: boolean) => void;
  /** Store-clock ms; starts at process start: nothing was heard before it. */
  #since: number;
  /** Wall-clock ms the outage began, null while the database answers. */
  #downSince: number | null = null;
  #lastReported = 0;
  #failures = 0;

  constructor(options: DatabaseOutageOptions) {
    this.#clock = options.clock;
    this.#wall = options.wallClock ?? Date.now;
    this.#log = options.log;
    this.#remindEveryMs = options.remindEveryMs ?? 60_000;
    this.#onChange = options.onChange ?? (() => {});
    this.#since = this.#clock();
  }

  /** The latest moment this process could not hear miners (store clock, ms). */
  get since(): number {
    return this.#since;
  }

  get down(): boolean {
    return this.#downSince !== null;
  }

  /** Takes note of a failed write; false when the error is not the database being unreachable. */
  failed(error: unknown, what: string): boolean {
    if (!isDatabaseUnavailable(error)) return false;
    this.#since = Math.max(this.#since, this.#clock());
    this.#failures++;
    const now = this.#wall();
    const reason = error instanceof Error ? error.message : String(error);
    if (this.#downSince === null) {
      this.#downSince = now;
      this.#lastReported = now;
      this.#failures = 1;
      this.#log.warn(
        { since: new Date(now).toISOString(), failed: what, reason },
        "database unreachable: sweeps, heartbeats and checkpoints wait for it; miners' silence meanwhile does not count against them",
      );
      this.#onChange(true);
    } else if (now - this.#lastReported >= this.#remindEveryMs) {
      this.#lastReported = now;
      this.#log.warn(
        {
          since: new Date(this.#downSince).toISOString(),
          down_s: Math.round((now - this.#downSince) / 1000),
          failures: this.#failures,
          reason,
        },
        "database still unreachable",
      );
    }
    return true;
  }

  /** Takes note of a write that committed: an outage, if any, is over. */
  succeeded(): void {
    if (this.#downSince === null) return;
    const downMs = this.#wall() - this.#downSince;
    this.#log.info(
      { down_s: Math.round(downMs / 1000), down_ms: downMs, failures: this.#failures },
      "database reachable again",
    );
    this.#downSince = null;
    this.#onChange(false);
  }
}
