// Moves the coordinator's old ledger records out of its database (--ledger-archive-dir): shortly after
// start, then hourly, every whole segment of records older than --ledger-archive-after-days that a
// checkpoint covers goes to `<dir>/coordinator/` as a gzip file and its rows are deleted (the ledger's
// sql-archive.ts), so the database stops growing by ~3 KB per job. A failure (a full or unwritable
// mount) loses nothing and stops nothing: the records stay in the database until a later run.
// Several coordinators on one PostgreSQL database: the first to archive holds the ledger's writer lock
// for the life of its process, so the others find it taken on every run. That is the design, not a
// failure: said once at info, and each later run is quiet (it takes over if that process goes away).
import { type ArchiveReport, archiveDirChange, type Ledger, LedgerLockedError } from "@pithead/ledger";
import type { Exclusive } from "./checkpointer.ts";

export interface ArchiverLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LedgerArchiverOptions {
  dir: string;
  afterDays: number;
  /** Records per archived segment (the ledger's default, 4096, unless a test makes them small). */
  segmentRecords?: number;
  clock: () => number;
  log: () => ArchiverLog;
  /** SQLite: the store's runner between write batches, for each segment's transaction. */
  between?: Exclusive;
}

const DAY_MS = 86_400_000;

export class LedgerArchiver {
  readonly #ledger: Ledger;
  readonly #partition: string;
  readonly #options: LedgerArchiverOptions;
  /** Failure kinds already logged since the last success: an hourly retry does not repeat them. */
  readonly #warned = new Set<string>();
  /** "Another coordinator process archives this ledger" was said (once per process). */
  #othersSaid = false;
  /** A change of archive directory since the last segment was said (once per process). */
  #dirChecked = false;
  #timers: NodeJS.Timeout[] = [];
  #running: Promise<unknown> = Promise.resolve();

  constructor(ledger: Ledger, partition: string, options: LedgerArchiverOptions) {
    this.#ledger = ledger;
    this.#partition = partition;
    this.#options = options;
  }

  /** One archive run now (after the one in progress); a failure is logged, never thrown. */
  run(): Promise<ArchiveReport | undefined> {
    const next = this.#running.then(() => this.#archive());
    this.#running = next;
    return next;
  }

  async #archive(): Promise<ArchiveReport | undefined> {
    const { dir, afterDays, segmentRecords, clock, between } = this.#options;
    const log = this.#options.log();
    try {
      if (!this.#dirChecked) {
        this.#dirChecked = true;
        const change = archiveDirChange(
          this.#partition,
          (await this.#ledger.archived?.(this.#partition))?.lastArchive,
          dir,
        );
        if (change) log.warn({ dir }, change);
      }
      // The writer row is a write to the database too: between batches, like each segment's transaction.
      if (between) await between.exclusive(() => this.#ledger.openWriter(this.#partition));
      const report = await this.#ledger.archive!(this.#partition, {
        to: dir,
        before: new Date(clock() - afterDays * DAY_MS),
        now: () => new Date(clock()),
        ...(segmentRecords !== undefined ? { segmentRecords } : {}),
        ...(between ? { transact: (commit: () => Promise<void>) => between.exclusive(commit) } : {}),
      });
      this.#warned.clear();
      if (report.records > 0) {
        log.info(
          { records: report.records, bytes: report.bytes, boundary: report.archivedTo, dir },
          "archived old ledger records",
        );
      }
      return report;
    } catch (error) {
      if (error instanceof LedgerLockedError) {
        if (!this.#othersSaid) log.info({ dir }, "another coordinator process archives this ledger");
        this.#othersSaid = true;
        return undefined;
      }
      const kind = (error as NodeJS.ErrnoException).code ?? (error as Error).name ?? "Error";
      if (!this.#warned.has(kind)) {
        this.#warned.add(kind);
        log.warn(
          { err: (error as Error).message, kind, dir },
          "archiving old ledger records failed; they stay in the database and the next run tries again",
        );
      }
      return undefined;
    }
  }

  /** A first run after `firstDelayMs`, then one every `intervalMs`. */
  start(firstDelayMs: number, intervalMs: number): void {
    const first = setTimeout(() => void this.run(), firstDelayMs);
    const every = setInterval(() => void this.run(), intervalMs);
    first.unref();
    every.unref();
    this.#timers = [first, every];
  }

  /** Stops the timers and waits for a run in progress. */
  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    await this.#running;
  }
}
