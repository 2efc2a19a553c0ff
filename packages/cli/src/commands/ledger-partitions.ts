// `pithead ledger partitions`: each partition of a store with its size and latest checkpoint, and a
// partition whose records cannot all be read (damage a reader stops at, or fewer records than a
// checkpoint covers) flagged, with exit 1: a listing must not show a damaged ledger as a healthy one.
import { Command } from "commander";
import { EXIT_FAILED, printResult } from "../output.ts";
import { describeBytes } from "../progress.ts";
import { guarded } from "./ledger-exit.ts";
import { open, storeTarget } from "./ledger-target.ts";

interface PartitionRow {
  partition: string;
  size: number;
  checkpointSize: number | null;
  /** Why the partition cannot be read whole; null when it can. */
  damage: string | null;
  /** Records 0..records-1 moved to an archive (`pithead ledger archive`); null when none. */
  archived: { records: number; bytes: number; archives: string[] } | null;
}

export function partitionsCommand(): Command {
  return new Command("partitions")
    .description("List the partitions of a ledger with their sizes and latest checkpoints (exit 1 if one is damaged)")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--json", "print as JSON")
    .action(
      guarded(async (path: string, options: { json?: boolean }) => {
        const ledger = await open(storeTarget(path, "partitions"));
        const rows: PartitionRow[] = [];
        for (const partition of await ledger.partitions()) {
          const latest = await ledger.latestCheckpoint(partition);
          const size = await ledger.size(partition);
          const range = await ledger.archived?.(partition);
          const archived = range ? { records: range.records, bytes: range.bytes, archives: range.archives } : null;
          let damage: string | null = null;
          try {
            // The record after the last readable one: a reader that stopped at damage throws it here.
            await ledger.get(partition, size);
          } catch (error) {
            if ((error as Error).name !== "LedgerCorruptError") throw error;
            damage = (error as Error).message;
          }
          if (damage === null && latest && latest.size > size) {
            damage = `a checkpoint covers ${latest.size} records but only ${size} can be read`;
          }
          rows.push({ partition, size, checkpointSize: latest?.size ?? null, damage, archived });
        }
        await ledger.close();
        printResult(options.json === true, rows, () =>
          rows.length === 0
            ? "no partitions"
            : rows
                .map(
                  (r) =>
                    `${r.partition}  ${r.size} records  ${r.checkpointSize === null ? "no checkpoint" : `checkpoint at ${r.checkpointSize}`}` +
                    (r.archived === null
                      ? ""
                      : `  archived: ${r.archived.records} records (${describeBytes(r.archived.bytes)}) in ${r.archived.archives.join(", ")}`) +
                    (r.damage === null ? "" : `  DAMAGED: ${r.damage} (run \`pithead ledger verify\`)`),
                )
                .join("\n"),
        );
        if (rows.some((r) => r.damage !== null)) process.exitCode = EXIT_FAILED;
      }),
    );
}
