// `pithead ledger show`: a partition's records, oldest first (newest first with --reverse). A partition
// with archived records is shown from the archive boundary (a note on stderr says so); --from below it
// says the records are archived (exit 3: not stored here), rather than failing on record 0. With
// --archive DIR the archived records are read from there too (each segment checked against its
// manifest first), so an auditor can read one without unpacking segment files by hand.
import type { ArchiveDirs, Ledger, StoredRecord } from "@pithead/ledger";
import { Command } from "commander";
import { errorMessage, fail, printResult } from "../output.ts";
import { cannot, exitCodeOf, guarded } from "./ledger-exit.ts";
import { checkArchiveDirs, collectOption, wholeNumber } from "./ledger-options.ts";
import { open, pickPartition, storeTarget } from "./ledger-target.ts";

interface ArchivedQuery {
  /** forward: the first seq; reverse: the newest seq */
  at: number;
  type?: string | undefined;
  limit: number;
  reverse: boolean;
}

/**
 * Archived records from the archive: forward from `at`, or newest first from `at` down (the archive
 * reads forward only, so that keeps the last `limit` matches on the way).
 */
async function archivedRecords(
  ledger: Ledger,
  partition: string,
  archive: ArchiveDirs,
  query: ArchivedQuery,
): Promise<StoredRecord[]> {
  const found: StoredRecord[] = [];
  if (query.limit <= 0 || !ledger.readArchived) return found;
  for await (const record of ledger.readArchived(partition, archive)) {
    if (query.reverse ? record.seq > query.at : record.seq < query.at) {
      if (query.reverse) break;
      continue;
    }
    if (query.type !== undefined && record.type !== query.type) continue;
    found.push(record);
    if (query.reverse && found.length > query.limit) found.shift();
    if (!query.reverse && found.length === query.limit) break;
  }
  return query.reverse ? found.reverse() : found;
}

function recordLine(record: StoredRecord): string {
  const body = JSON.stringify(record.body);
  const width = Math.max((process.stdout.columns ?? 160) - 60, 40);
  return `#${record.seq}  ${record.at}  ${record.type}  ${body.length > width ? `${body.slice(0, width - 1)}…` : body}`;
}

export function showCommand(): Command {
  return new Command("show")
    .description(
      "Print records of a partition, oldest first (newest first with --reverse). A read that reaches damage prints the records before it, then the error (exit 1)",
    )
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--partition <name>", "the partition (default: the only one)")
    .option("--type <type>", "only records of this type, e.g. fleet.decision")
    .option("--from <seq>", "start at this seq (with --reverse: the newest seq to show)", wholeNumber("--from"))
    .option("--limit <n>", "at most this many records", wholeNumber("--limit"), 50)
    .option("--reverse", "newest first")
    .option(
      "--archive <dir>",
      "the archive directory of a partition with archived records: they are shown too, read from there (repeatable, for an archive whose directory changed)",
      collectOption,
      [],
    )
    .option("--json", "print the records as a JSON array")
    .action(
      guarded(
        async (
          path: string,
          options: {
            partition?: string;
            type?: string;
            from?: number;
            limit: number;
            reverse?: boolean;
            archive: string[];
            json?: boolean;
          },
        ) => {
          checkArchiveDirs(options.archive);
          const ledger = await open(storeTarget(path, "show"));
          const partition = await pickPartition(ledger, options.partition);
          // Records below the archive boundary are not stored here: start there, and say so.
          const archived = await ledger.archived?.(partition);
          const boundary = archived?.records ?? 0;
          const fromArchive = archived !== undefined && options.archive.length > 0;
          if (archived && !fromArchive && options.from !== undefined && options.from < boundary) {
            await ledger.close();
            cannot(
              `records 0..${boundary - 1} of ${partition} are archived (moved to ${archived.archives.join(", ")}), so record ${options.from} is not stored here: ` +
                `records from ${boundary} are (--from ${boundary}); give --archive DIR to show the archived ones`,
            );
          }
          if (archived && !fromArchive && options.from === undefined && !options.reverse) {
            process.stderr.write(
              `note: records 0..${boundary - 1} of ${partition} are archived (moved to ${archived.archives.join(", ")}); showing from record ${boundary}\n`,
            );
          }
          const records: StoredRecord[] = [];
          let failure: unknown;
          const reverse = options.reverse === true;
          const archivedPart = (query: ArchivedQuery) =>
            archivedRecords(ledger, partition, options.archive, query).then((found) => records.push(...found));
          try {
            // Oldest first, the archived records come before the stored ones.
            if (fromArchive && !reverse && (options.from ?? 0) < boundary)
              await archivedPart({ at: options.from ?? 0, type: options.type, limit: options.limit, reverse });
            const range = reverse
              ? { fromSeq: boundary, ...(options.from !== undefined ? { toSeq: options.from } : {}) }
              : { fromSeq: Math.max(options.from ?? boundary, boundary) };
            const left = options.limit - records.length;
            if (!(reverse && options.from !== undefined && options.from < boundary)) {
              for await (const record of ledger.read(partition, {
                ...range,
                ...(options.type ? { type: options.type } : {}),
                limit: left,
                reverse,
              })) {
                records.push(record);
              }
            }
            if (fromArchive && reverse && records.length < options.limit)
              await archivedPart({
                at: Math.min(options.from ?? boundary - 1, boundary - 1),
                type: options.type,
                limit: options.limit - records.length,
                reverse,
              });
          } catch (error) {
            // What was read before the damage is still shown; the error follows it.
            failure = error;
          } finally {
            await ledger.close();
          }
          if (archived && !fromArchive && reverse && failure === undefined && records.length < options.limit) {
            process.stderr.write(
              `note: records 0..${boundary - 1} of ${partition} are archived (moved to ${archived.archives.join(", ")}); none of them is shown\n`,
            );
          }
          if (failure === undefined || records.length > 0) {
            printResult(options.json === true, records, () =>
              records.length === 0 ? `no records in ${partition} match` : records.map(recordLine).join("\n"),
            );
          }
          if (failure !== undefined) fail(errorMessage(failure), exitCodeOf(failure));
        },
      ),
    );
}
