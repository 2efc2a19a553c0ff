// The fleet's automatic archiving (LEDGER_ARCHIVE_DIR): at most once an hour, after a cycle and off
// its path (the cycle does not wait), each operator's ledger segments whose every record is older
// than LEDGER_ARCHIVE_AFTER_DAYS move to the archive directory (@pithead/ledger's archive: a JSONL
// ledger's sealed segments, a SQLite or PostgreSQL ledger's rows cut into segments).
// Each run first has the controller re-record its configuration, mode and the miners it stopped
// (anchorState): a restart or a replay reads the state back from the archive boundary, and finds
// them within an hour of it. A failure (the mount is gone) is logged once as a warning, and again
// only after archiving worked in between; appends never wait for it or stop because of it.
import type { ArchiveReport, Ledger } from "@pithead/ledger";
import type { Clock } from "../clock.ts";
import type { LedgerArchiveConfig } from "../config/ledger-archive.ts";
import type { OperatorController } from "./operator-controller.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface ArchiverLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export class LedgerArchiver {
  private readonly ledger: Ledger;
  private readonly config: LedgerArchiveConfig;
  private readonly clock: Clock;
  private readonly log: ArchiverLog;
  private readonly controllers: readonly OperatorController[];
  private running: Promise<unknown> | undefined;
  private lastRunMs = Number.NEGATIVE_INFINITY;
  private failing = false;

  constructor(options: {
    ledger: Ledger;
    config: LedgerArchiveConfig;
    clock: Clock;
    log: ArchiverLog;
    controllers: Iterable<OperatorController>;
  }) {
    this.ledger = options.ledger;
    this.config = options.config;
    this.clock = options.clock;
    this.log = options.log;
    // Copied: an iterator (a Map's values()) would be spent after the first run.
    this.controllers = [...options.controllers];
  }

  /** After a cycle: starts a run in the background when the last one began an hour ago or more. */
  afterCycle(): void {
    const now = this.clock.now();
    if (this.running || now - this.lastRunMs < HOUR_MS) return;
    this.lastRunMs = now;
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
  }

  /** One run over every operator; resolves when done (never rejects: failures are logged). */
  async run(): Promise<ArchiveReport[]> {
    const reports: ArchiveReport[] = [];
    const archive = this.ledger.archive?.bind(this.ledger);
    if (!archive) return reports;
    const before = new Date(this.clock.now() - this.config.afterDays * DAY_MS);
    try {
      for (const controller of this.controllers) {
        const partition = controller.partition;
        await controller.anchorState();
        const report = await archive(partition, {
          to: this.config.dir,
          before,
          ...(this.config.segmentRecords !== undefined ? { segmentRecords: this.config.segmentRecords } : {}),
        });
        reports.push(report);
        if (report.moved.length > 0) {
          this.log.info(
            {
              partition,
              segments: report.moved.length,
              records: report.records,
              bytes: report.bytes,
              archive: report.archive,
              archivedTo: report.archivedTo,
            },
            `archived ${report.moved.length} ledger segments of ${partition} (records ${report.moved[0]!.from}..${report.archivedTo - 1}, ${report.bytes} bytes) to ${report.archive}`,
          );
        }
      }
      if (this.failing) this.log.info({ archive: this.config.dir }, "ledger archiving works again");
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.log.warn(
          { archive: this.config.dir, error: (error as Error).message },
          `archiving old ledger segments to ${this.config.dir} failed (${(error as Error).message}); they stay in the ledger, nothing is lost and appends go on; tried again hourly, and this is said again only after it worked`,
        );
      }
      this.failing = true;
    }
    return reports;
  }

  /** Waits for a run in progress (before the ledger closes). */
  async close(): Promise<void> {
    await this.running;
  }
}
