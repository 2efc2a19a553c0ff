// `pithead ledger show`: a partition's records, oldest first (newest first with --reverse). A partition
// with archived records is shown from the archive boundary (a note on stderr says so); --from below it
// says the records are archived (exit 3: not stored here), rather than failing on record 0.
import type { StoredRecord } from "@pithead/ledger";
import { Command } from "commander";
import { errorMessage, fail, printResult } from "../output.ts";
import { cannot, exitCodeOf, guarded } from "./ledger-exit.ts";
import { wholeNumber } from "./ledger-options.ts";
import { open, pickPartition, storeTarget } from "./ledger-target.ts";

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
            json?: boolean;
          },
        ) => {
          const ledger = await open(storeTarget(path, "show"));
          const partition = await pickPartition(ledger, options.partition);
          // Records below the archive boundary are not stored here: start there, and say so.
          const archived = await ledger.archived?.(partition);
          const boundary = archived?.records ?? 0;
          if (archived && options.from !== undefined && options.from < boundary) {
            await ledger.close();
            cannot(
              `records 0..${boundary - 1} of ${partition} are archived (moved to ${archived.archives.join(", ")}), so record ${options.from} is not stored here: ` +
                `records from ${boundary} are (--from ${boundary}); verify the partition with --archive DIR to check the archived ones`,
            );
          }
          if (archived && options.from === undefined && !options.reverse) {
            process.stderr.write(
              `note: records 0..${boundary - 1} of ${partition} are archived (moved to ${archived.archives.join(", ")}); showing from record ${boundary}\n`,
            );
          }
          const records: StoredRecord[] = [];
          let failure: unknown;
          try {
            const range = options.reverse
              ? { fromSeq: boundary, ...(options.from !== undefined ? { toSeq: options.from } : {}) }
              : { fromSeq: options.from ?? boundary };
            for await (const record of ledger.read(partition, {
              ...range,
              ...(options.type ? { type: options.type } : {}),
              limit: options.limit,
              reverse: options.reverse === true,
            })) {
              records.push(record);
            }
          } catch (error) {
            // What was read before the damage is still shown; the error follows it.
            failure = error;
          } finally {
            await ledger.close();
          }
          if (archived && options.reverse && failure === undefined && records.length < options.limit) {
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
