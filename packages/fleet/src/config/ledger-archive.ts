// LEDGER_ARCHIVE_DIR / LEDGER_ARCHIVE_AFTER_DAYS: where the fleet moves its ledger's old records, and
// after how many days (unset = never): a JSONL ledger's sealed segments, a SQLite or PostgreSQL
// ledger's rows in 4096-record segments of the same format. The directory is checked at start
// by writing a probe file there: a mount that is missing or read-only is an error now, not a warning
// an hour into the run.
import { resolve } from "node:path";
import { archiveDirUnwritable } from "@pithead/ledger";
import { number, type Problems, type Source, text } from "./env-reader.ts";

export interface LedgerArchiveConfig {
  /** the archive directory, absolute (segments go to <dir>/<partition>/) */
  dir: string;
  /** SQLite and PostgreSQL: records per segment (the ledger's 4096 unless a test makes them small) */
  segmentRecords?: number;
  /** segments whose every record is older than this many days move */
  afterDays: number;
}

/** The archive settings for a ledger store of kind `store` (undefined: archiving is off). */
export function readLedgerArchive(source: Source, problems: Problems): LedgerArchiveConfig | undefined {
  const dir = text(source, "LEDGER_ARCHIVE_DIR", "LEDGER_ARCHIVE_DIR", problems);
  const afterGiven = text(source, "LEDGER_ARCHIVE_AFTER_DAYS", "LEDGER_ARCHIVE_AFTER_DAYS", problems) !== undefined;
  const afterDays = number(source, "LEDGER_ARCHIVE_AFTER_DAYS", "LEDGER_ARCHIVE_AFTER_DAYS", problems, 30, {
    min: 1,
    max: 36_500,
    integer: true,
  });
  if (dir === undefined) {
    if (afterGiven)
      problems.add(
        "LEDGER_ARCHIVE_AFTER_DAYS",
        "is set but LEDGER_ARCHIVE_DIR is not: name the archive directory too (unset, nothing is archived)",
      );
    return undefined;
  }
  const why = archiveDirUnwritable(dir);
  if (why)
    problems.add("LEDGER_ARCHIVE_DIR", `cannot be written (${why}): the fleet moves its old ledger segments there`);
  // Absolute: the manifest records it, and a restart from another working directory must find it.
  return { dir: resolve(dir), afterDays };
}
