// What `pithead ledger verify` says about a partition, with the torn tails (moved aside by a writer
// after a crash) that lie beside it.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { VerifyReport } from "@pithead/ledger";
import { plural } from "../output.ts";
import { describeBytes } from "../progress.ts";

/** `<file>.torn-<time>` files in a partition's folder: tails a writer moved aside (see open). */
export function tornFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /\.torn-/.test(name))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

export function tornWarning(files: string[]): string[] {
  if (files.length === 0) return [];
  return [
    `${plural(files.length, "torn tail")} moved aside by a writer after a crash ${files.length === 1 ? "lies" : "lie"} beside the partition (never acknowledged, not part of the ledger): ${files.join(", ")}`,
  ];
}

/** The folder of a JSONL store's partition (`a/b` is `<dir>/a/b.ledger`). */
export function partitionDir(dir: string, partition: string): string {
  return `${join(dir, ...partition.split("/"))}.ledger`;
}

/** A partition's report, with the key file its checkpoints were checked with (when one was). */
export type PartitionReport = VerifyReport & { keyFile?: string };

export function reportText(report: PartitionReport): string {
  // The count is of the records checked here: archived records the chain continued past are not.
  const facts = `${plural(report.checkpoints, "checkpoint")}, ${describeBytes(report.bytes)}`;
  const range = report.archived ? `records 0..${report.archived.records - 1}` : "";
  const unavailable = report.archived?.unavailable?.length ?? 0;
  const notRead = report.archived !== undefined && !report.archived.checked && unavailable === 0;
  const lines = [
    report.ok && notRead
      ? `✔ ${report.partition}: ${plural(report.checkedRecords, "record")} verified (${facts}); ${range} are archived, not checked here (give --archive DIR)`
      : report.ok
        ? `✔ ${report.partition}: ${plural(report.checkedRecords, "record")}, ${facts} verified`
        : `✖ ${report.partition}: ${plural(report.checkedRecords, "record")}, ${facts}: FAILED`,
  ];
  if (report.archived && !(report.ok && notRead)) {
    lines.push(
      report.archived.checked
        ? `  ${range} are archived: checked in the archive`
        : unavailable > 0
          ? `  ${range} are archived: ${plural(unavailable, "segment")} of them not found in the archive directories given, not checked (see the warnings)`
          : `  ${range} are archived: not checked here (verify the partition with --archive DIR to check them)`,
    );
  }
  // A checkpoint's own problem (unsigned, another origin) stands at its size, one past the records
  // it covers: "record 9" would name a record that is not at fault, or not there at all.
  const { firstBad } = report;
  if (firstBad)
    lines.push(`  ${firstBad.checkpoint ? "first problem" : `first bad record: ${firstBad.seq}`}: ${firstBad.reason}`);
  for (const problem of report.problems.slice(1, 10))
    lines.push(`  also${problem.checkpoint ? "" : ` record ${problem.seq}`}: ${problem.reason}`);
  if (report.problems.length > 10) lines.push(`  … ${report.problems.length - 10} more problems (see --json)`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  if (report.keyFile && report.checkpoints > 0) lines.push(`  checkpoint signatures checked with ${report.keyFile}`);
  return lines.join("\n");
}
