// Whether this process can write, as its writes find out, for two readers: the ops (`since`: the
// latest moment it could not hear miners, see core/hearing.ts) and the log. Two kinds of outage
// are tracked alike, one instance each: the database unreachable, and its disk full (every write
// refused with 507 STORAGE_FULL, while reads, and so long-polls that find nothing, still answer).
// An outage is logged once when it begins (warn), at most once a minute while it lasts (with how
// many writes failed), and once when it ends (info, with how long it lasted) — not once per failed
// sweep, checkpoint or request.
import { isDatabaseUnavailable, isStorageFull } from "@pithead/http";

/** What an outage is, and what the log says when it begins, lasts and ends. */
export interface OutageKind {
  is(error: unknown): boolean;
  /**
   * How long writes must have stopped failing before a success ends the outage. A nearly full disk
   * still takes the writes that fit in pages it already has (a heartbeat's update) while refusing
   * the rest: the first of those is not the end, or the log would flap between the two.
   */
  settleMs: number;
  began: string;
  lasts: string;
  ended: string;
}

export const DATABASE_UNREACHABLE: OutageKind = {
  is: isDatabaseUnavailable,
  settleMs: 0,
  began:
    "database unreachable: sweeps, heartbeats and checkpoints wait for it; miners' silence meanwhile does not count against them",
  lasts: "database still unreachable",
  ended: "database reachable again",
};

export const DISK_FULL: OutageKind = {
  is: isStorageFull,
  settleMs: 30_000,
  began:
    "the disk is full: every write is refused (507 STORAGE_FULL) until space is freed; miners' silence meanwhile does not count against them",
  lasts: "the disk is still full",
  ended: "the disk has room again: writes succeed",
};

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
  /** Default: the database unreachable. */
  kind?: OutageKind;
}

export class DatabaseOutage {
  readonly #clock: () => number;
  readonly #wall: () => number;
  readonly #log: OutageLog;
  readonly #remindEveryMs: number;
  readonly #onChange: (down: boolean) => void;
  readonly #kind: OutageKind;
  /** Store-clock ms; starts at process start: nothing was heard before it. */
  #since: number;
  /** Wall-clock ms the outage began, null while the database answers. */
  #downSince: number | null = null;
  #lastReported = 0;
  #lastFailed = 0;
  #failures = 0;

  constructor(options: DatabaseOutageOptions) {
    this.#clock = options.clock;
    this.#wall = options.wallClock ?? Date.now;
    this.#log = options.log;
    this.#remindEveryMs = options.remindEveryMs ?? 60_000;
    this.#onChange = options.onChange ?? (() => {});
    this.#kind = options.kind ?? DATABASE_UNREACHABLE;
    this.#since = this.#clock();
  }

  /** The latest moment this process could not hear miners (store clock, ms). */
  get since(): number {
    return this.#since;
  }

  get down(): boolean {
    return this.#downSince !== null;
  }

  /** Takes note of a failed write; false when the error is not this kind of outage. */
  failed(error: unknown, what: string): boolean {
    if (!this.#kind.is(error)) return false;
    this.#since = Math.max(this.#since, this.#clock());
    this.#failures++;
    const now = this.#wall();
    this.#lastFailed = now;
    const reason = error instanceof Error ? error.message : String(error);
    if (this.#downSince === null) {
      this.#downSince = now;
      this.#lastReported = now;
      this.#failures = 1;
      this.#log.warn({ since: new Date(now).toISOString(), failed: what, reason }, this.#kind.began);
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
        this.#kind.lasts,
      );
    }
    return true;
  }

  /** Takes note of a write that committed: an outage, if any, is over. */
  succeeded(): void {
    if (this.#downSince === null) return;
    const now = this.#wall();
    if (now - this.#lastFailed < this.#kind.settleMs) return;
    const downMs = now - this.#downSince;
    this.#log.info({ down_s: Math.round(downMs / 1000), down_ms: downMs, failures: this.#failures }, this.#kind.ended);
    this.#downSince = null;
    this.#onChange(false);
  }
}
