// `pithead ledger partitions`: each partition of a store with its size and latest checkpoint, and a
// partition with damage seen without verifying (Ledger.damage: records a reader stops at, fewer records
// than a checkpoint covers, a deleted records file, a malformed checkpoint, a missing SQL row) flagged,
// with exit 1: a listing must not show a damaged ledger as a healthy one. A store with no partitions
// exits 3, as `verify` does.
import { Command } from "commander";
import { EXIT_FAILED, printResult } from "../output.ts";
import { describeBytes } from "../progress.ts";
import { cannot, guarded } from "./ledger-exit.ts";
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

/** The damage text, ending with what to run: most library messages already say it (once is enough). */
function withVerifyHint(damage: string): string {
  return damage.includes("pithead ledger verify") ? damage : `${damage} (run \`pithead ledger verify\`)`;
}

export function partitionsCommand(): Command {
  return new Command("partitions")
    .description("List the partitions of a ledger with their sizes and latest checkpoints (exit 1 if one is damaged)")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--json", "print as JSON")
    .action(
      guarded(async (path: string, options: { json?: boolean }) => {
        const target = storeTarget(path, "partitions");
        const ledger = await open(target);
        const rows: PartitionRow[] = [];
        const names = await ledger.partitions();
        if (names.length === 0) {
          await ledger.close();
          // As `ledger verify` says of it: an empty store (or a folder that is no store) is no ledger there, not damage.
          cannot(`${target.label} has no partitions`);
        }
        for (const partition of names) {
          const latest = await ledger.latestCheckpoint(partition);
          const size = await ledger.size(partition);
          const range = await ledger.archived?.(partition);
          const archived = range ? { records: range.records, bytes: range.bytes, archives: range.archives } : null;
          // What a reader can see is wrong without verifying: unreadable records, fewer than a checkpoint
          // covers, a missing records file or malformed checkpoint (JSONL), rows missing (SQL).
          const damage = (await ledger.damage?.(partition)) ?? null;
          rows.push({ partition, size, checkpointSize: latest?.size ?? null, damage, archived });
        }
        await ledger.close();
        printResult(options.json === true, rows, () =>
          rows
            .map(
              (r) =>
                `${r.partition}  ${r.size} records  ${r.checkpointSize === null ? "no checkpoint" : `checkpoint at ${r.checkpointSize}`}` +
                (r.archived === null
                  ? ""
                  : `  archived: ${r.archived.records} records (${describeBytes(r.archived.bytes)}) in ${r.archived.archives.join(", ")}`) +
                (r.damage === null ? "" : `  DAMAGED: ${withVerifyHint(r.damage)}`),
            )
            .join("\n"),
        );
        if (rows.some((r) => r.damage !== null)) process.exitCode = EXIT_FAILED;
      }),
    );
}
