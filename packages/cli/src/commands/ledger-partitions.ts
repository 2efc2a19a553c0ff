// `pithead ledger partitions`: each partition of a store with its size and latest checkpoint.
import { Command } from "commander";
import { printResult } from "../output.ts";
import { guarded } from "./ledger-exit.ts";
import { open, storeTarget } from "./ledger-target.ts";

export function partitionsCommand(): Command {
  return new Command("partitions")
    .description("List the partitions of a ledger with their sizes and latest checkpoints")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--json", "print as JSON")
    .action(
      guarded(async (path: string, options: { json?: boolean }) => {
        const ledger = await open(storeTarget(path, "partitions"));
        const rows: { partition: string; size: number; checkpointSize: number | null }[] = [];
        for (const partition of await ledger.partitions()) {
          const latest = await ledger.latestCheckpoint(partition);
          rows.push({ partition, size: await ledger.size(partition), checkpointSize: latest?.size ?? null });
        }
        await ledger.close();
        printResult(options.json === true, rows, () =>
          rows.length === 0
            ? "no partitions"
            : rows
                .map(
                  (r) =>
                    `${r.partition}  ${r.size} records  ${r.checkpointSize === null ? "no checkpoint" : `checkpoint at ${r.checkpointSize}`}`,
                )
                .join("\n"),
        );
      }),
    );
}
