// `pithead ledger proof`: a record's RFC 9162 inclusion proof, against the latest checkpoint that
// covers it.
import type { Checkpoint } from "@pithead/ledger";
import { Command } from "commander";
import { EXIT_FAILED, fail, plural, printResult } from "../output.ts";
import { failWith, guarded } from "./ledger-exit.ts";
import { wholeNumber } from "./ledger-options.ts";
import { ledgerModule, open, pickPartition, storeTarget } from "./ledger-target.ts";

export function proofCommand(): Command {
  return new Command("proof")
    .description(
      "Print a record's hash and its RFC 9162 inclusion proof (against the latest checkpoint that covers it)",
    )
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .argument("<seq>", "the record", wholeNumber("<seq>"))
    .option("--partition <name>", "the partition (default: the only one)")
    .option("--size <n>", "prove against the tree of this many records instead", wholeNumber("--size"))
    .option("--json", "print the proof as JSON")
    .action(
      guarded(async (path: string, seq: number, options: { partition?: string; size?: number; json?: boolean }) => {
        const ledger = await open(storeTarget(path, "proof"));
        try {
          const partition = await pickPartition(ledger, options.partition);
          const latest = await ledger.latestCheckpoint(partition);
          const readable = await ledger.size(partition);
          // A checkpoint larger than the records that can be read: records it signed are gone or unreadable.
          if (latest && latest.size > readable && (options.size === undefined || options.size > readable)) {
            fail(
              `partition ${partition} is damaged: its latest checkpoint covers ${plural(latest.size, "record")}, but only the first ${readable} can be read; run \`pithead ledger verify\` to see what is wrong`,
              EXIT_FAILED,
            );
          }
          const size = options.size ?? (latest && latest.size > seq ? latest.size : undefined);
          const proof = await ledger.inclusionProof(partition, seq, size);
          const checkpoint: Checkpoint | undefined = latest?.size === proof.treeSize ? latest : undefined;
          const { verifyInclusion } = await ledgerModule();
          const result = {
            partition,
            ...proof,
            verified: verifyInclusion(proof),
            ...(checkpoint ? { checkpoint: checkpoint.note } : {}),
          };
          printResult(options.json === true, result, () =>
            [
              `record ${partition} #${seq}`,
              `  record hash ${proof.recordHash}`,
              `  leaf hash   ${proof.leafHash}`,
              `  tree size   ${proof.treeSize}${checkpoint ? " (the latest checkpoint)" : " (not yet checkpointed)"}`,
              `  root hash   ${proof.rootHash}`,
              "  path (leaf side first):",
              ...proof.path.map((hash, i) => `    ${i}: ${hash}`),
              `  ${result.verified ? "✔ the path leads to the root" : "✖ the path does not lead to the root"}`,
            ].join("\n"),
          );
        } catch (error) {
          failWith(error);
        } finally {
          await ledger.close();
        }
      }),
    );
}
