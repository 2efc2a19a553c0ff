// `pithead ledger archive <partition dir | SQLite file | postgres URL> --to DIR (--before <date> |
// --keep-days N | --below-seq N)`: moves a partition's oldest records to an archive directory as gzip
// segments (the library's ledger.archive: a JSONL partition's sealed segments, an SQL store's rows in
// segments of 4096), and says what moved and what stayed and why. It takes the partition's writer lock:
// a running fleet controller or coordinator archives by itself and this exits 3, naming how
// (archive-refusals.ts). A fleet controller's partition is refused without --force even when it is
// stopped: the controller records its state before archiving, and this does not.
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArchiveReport } from "@pithead/ledger";
import { Command } from "commander";
import { EXIT_USAGE, fail, plural, printResult } from "../output.ts";
import { describeBytes } from "../progress.ts";
import { type ArchivedStore, fleetRefusal, lockedRefusal } from "./archive-refusals.ts";
import { cannot, EXIT_CODES_HELP, guarded } from "./ledger-exit.ts";
import { wholeNumber } from "./ledger-options.ts";
import { ledgerModule, locatePartitionDir, open, pickPartition, storeTarget } from "./ledger-target.ts";

interface ArchiveFlags {
  to?: string;
  partition?: string;
  before?: string;
  keepDays?: number;
  belowSeq?: number;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

const DAY_MS = 86_400_000;

/** The cutoff the flags give: exactly one of --before, --keep-days, --below-seq. */
function cutoffOf(flags: ArchiveFlags): { before?: Date; belowSeq?: number } {
  const given = [
    flags.before !== undefined && "--before",
    flags.keepDays !== undefined && "--keep-days",
    flags.belowSeq !== undefined && "--below-seq",
  ].filter((f): f is string => typeof f === "string");
  if (given.length !== 1) {
    fail(
      given.length === 0
        ? "give a cutoff: --before <ISO date>, --keep-days N or --below-seq N"
        : `give one cutoff, not ${given.join(" and ")}`,
      EXIT_USAGE,
    );
  }
  if (flags.before !== undefined) {
    const before = new Date(flags.before);
    if (!/^\d{4}-\d{2}-\d{2}/.test(flags.before) || !Number.isFinite(before.getTime()))
      fail(`--before must be an ISO date (e.g. 2026-01-31 or 2026-01-31T12:00:00Z), got '${flags.before}'`, EXIT_USAGE);
    return { before };
  }
  if (flags.keepDays !== undefined) {
    if (flags.keepDays < 1) fail(`--keep-days must be 1 or more, got ${flags.keepDays}`, EXIT_USAGE);
    return { before: new Date(Date.now() - flags.keepDays * DAY_MS) };
  }
  return { belowSeq: flags.belowSeq! };
}

/** The ledger to archive from and the partition: a JSONL partition's directory, or an SQL store and --partition. */
async function archiveTarget(path: string, flags: ArchiveFlags) {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  if (!isDir && (existsSync(path) || /^postgres(ql)?:\/\//.test(path))) {
    const target = storeTarget(path, "archive");
    const ledger = await open(target);
    const location: ArchivedStore = target.location.store === "sqlite" ? target.location : { store: "postgres" };
    try {
      return { ledger, partition: await pickPartition(ledger, flags.partition), location };
    } catch (error) {
      await ledger.close();
      throw error;
    }
  }
  if (!isDir || !existsSync(join(path, "records.jsonl")))
    fail(
      `${path} is not a JSONL partition's directory (<store>/<name>.ledger holding records.jsonl), a SQLite file or a postgres:// URL`,
      EXIT_USAGE,
    );
  if (flags.partition !== undefined)
    fail(
      "--partition applies to a SQLite file or a postgres:// URL (a partition's directory names its partition)",
      EXIT_USAGE,
    );
  const { root, partition } = await locatePartitionDir(path);
  const { openLedger } = await ledgerModule();
  const ledger = await openLedger({
    store: "jsonl",
    dir: root,
    onRecovery: (recovery) => process.stderr.write(`warning: ${recovery.message}\n`),
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  return { ledger, partition, location: { store: "jsonl", root } as ArchivedStore };
}

export function archiveCommand(): Command {
  return new Command("archive")
    .description(
      "Move a partition's oldest records (every one older than the cutoff and covered by a checkpoint) to an archive directory as gzip segments, keeping the ledger verifiable: a JSONL partition's sealed segments, or a SQLite/PostgreSQL store's rows in segments of 4096 records (which then leave the database)",
    )
    .argument(
      "<path>",
      "one JSONL partition's directory (e.g. ./data/fleet-ledger/fleet/default.ledger), a SQLite file or a postgres:// URL",
    )
    .option("--to <dir>", "the archive directory (another disk, a NAS mount): segments go to <dir>/<partition>/")
    .option("--partition <name>", "SQLite or PostgreSQL: the partition (default: the only one)")
    .option("--before <ISO date>", "move segments whose every record is older than this")
    .option("--keep-days <n>", "move segments whose every record is older than n days", wholeNumber("--keep-days"))
    .option("--below-seq <n>", "move segments whose every record is below seq n", wholeNumber("--below-seq"))
    .option("--dry-run", "say what would move; move nothing")
    .option(
      "--force",
      "archive a fleet controller's partition (fleet/…) anyway: its state (the miners it stopped, their cooldowns, its mode) is not recorded first, so after a restart the controller forgets them (a miner it stopped is no longer started when profitable again, a cooldown is lost); the controller archives its own ledger without that loss (LEDGER_ARCHIVE_DIR, or `pithead up --ledger-archive-dir`)",
    )
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `\nExamples:\n  pithead ledger archive ./data/fleet-ledger/fleet/default.ledger --to /mnt/nas/pithead --keep-days 30\n  pithead ledger archive ./data/fleet-ledger/fleet/default.ledger --to /mnt/nas/pithead --before 2026-01-01 --dry-run\n  pithead ledger archive ./data/coordinator.db --to /mnt/nas/pithead --keep-days 30\n${EXIT_CODES_HELP}`,
    )
    .action(
      guarded(async (path: string, flags: ArchiveFlags) => {
        if (flags.to === undefined) fail("--to <dir> is required: the archive directory", EXIT_USAGE);
        if (existsSync(flags.to) && !statSync(flags.to).isDirectory())
          fail(`--to ${flags.to} is not a directory`, EXIT_USAGE);
        const cutoff = cutoffOf(flags);
        const { ledger, partition, location } = await archiveTarget(path, flags);
        try {
          const refusal = flags.force === true ? undefined : fleetRefusal(partition, location);
          // A dry run moves nothing: it says what would move, and that the real run is refused.
          if (refusal !== undefined && flags.dryRun === true) process.stderr.write(`note: ${refusal}\n`);
          else if (refusal !== undefined) fail(refusal, EXIT_USAGE);
          let report: Awaited<ReturnType<NonNullable<typeof ledger.archive>>>;
          try {
            report = await ledger.archive!(partition, {
              to: resolve(flags.to),
              ...cutoff,
              dryRun: flags.dryRun === true,
            });
          } catch (error) {
            if ((error as Error).name === "LedgerLockedError")
              cannot(lockedRefusal((error as Error).message, partition, location));
            throw error;
          }
          printResult(flags.json === true, report, () => archiveText(report));
        } finally {
          await ledger.close();
        }
      }),
    );
}

function archiveText(report: ArchiveReport): string {
  const verb = report.dryRun ? "would move" : "moved";
  const lines = [
    report.moved.length === 0
      ? `${report.partition}: nothing to archive${report.dryRun ? " (dry run)" : ""}`
      : `${report.partition}: ${verb} ${plural(report.moved.length, "segment")}, ${plural(report.records, "record")}, ${describeBytes(report.bytes)} to ${report.archive}${report.dryRun ? " (dry run: nothing moved)" : ""}`,
  ];
  for (const m of report.moved)
    lines.push(`  ${verb} ${m.name} (records ${m.from}..${m.to - 1}, ${describeBytes(m.bytes)})`);
  // What was archived before this run, apart from what this run moves (or would).
  const before = report.archivedTo - report.records;
  if (before > 0) lines.push(`  records 0..${before - 1} are already archived`);
  if (report.records > 0)
    lines.push(`  records ${before}..${report.archivedTo - 1} ${report.dryRun ? "would be" : "are now"} archived`);
  // Segments that stay for the same kind of reason are one line (a day of a large fleet is a thousand).
  const left = report.left.filter((l) => l.to > l.from);
  for (let i = 0; i < left.length; ) {
    const l = left[i]!;
    let j = i + 1;
    while (
      j < left.length &&
      left[j]!.what !== "records.jsonl" &&
      l.what !== "records.jsonl" &&
      left[j]!.reason.startsWith("follows ")
    )
      j++;
    const last = left[j - 1]!;
    const what = j - i > 1 ? `${l.what} and ${plural(j - i - 1, "later segment")}` : l.what;
    lines.push(`  left ${what} (records ${l.from}..${last.to - 1}): ${l.reason}`);
    i = j;
  }
  return lines.join("\n");
}
