// `pithead ledger checkpoint`: signs a partition's current tree with the key that signed its
// checkpoints so far (see ledger-keys.ts), never another one.
import { Command } from "commander";
import { signingKey } from "../ledger-keys.ts";
import { EXIT_USAGE, errorMessage, fail, printResult } from "../output.ts";
import { cannot, exitCodeOf, guarded } from "./ledger-exit.ts";
import { ledgerModule, open, pickPartition, storeTarget } from "./ledger-target.ts";

export function checkpointCommand(): Command {
  return new Command("checkpoint")
    .description(
      "Sign a checkpoint of a partition's current tree (C2SP tlog-checkpoint) with the key that signed its checkpoints so far, and print it with the verifier key",
    )
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--partition <name>", "the partition (default: the only one)")
    .option(
      "--key-file <file>",
      "the Ed25519 signing key; it must be the key of the partition's checkpoints so far (default: the key the partition's service keeps beside the store; for a partition without checkpoints, ledger.key beside the store, made mode 600 if missing)",
    )
    .option(
      "--origin <origin>",
      "log origin prefix, for a partition without checkpoints yet (default: pithead-fleet for fleet/…, else pithead.local)",
    )
    .option("--json", "print {partition, note, verifierKey, keyFile, size, rootHash, …} as JSON")
    .addHelpText(
      "after",
      [
        "",
        "Output: the signed note (origin, size, root hash, a blank line, the signature), then a line",
        "'verifier key: <name>+<id>+<key>'. Keep it to check the ledger against later:",
        "  pithead ledger checkpoint ./data/fleet-ledger > cp.txt     # the verifier key line is ignored when read back",
        "  pithead ledger checkpoint ./data/coordinator.db --json > cp.json",
        "  pithead ledger verify ./data/fleet-ledger --checkpoint cp.txt",
        "Where the key is: the fleet controller's beside its store (<DATA_DIR>/fleet-ledger.key), the",
        "coordinator's beside its database (<data>/ledger.key). A partition with checkpoints is never",
        "signed with another key, and no key is made for it.",
        "",
      ].join("\n"),
    )
    .action(
      guarded(
        async (path: string, options: { partition?: string; keyFile?: string; origin?: string; json?: boolean }) => {
          const target = storeTarget(path, "checkpoint");
          if (target.location.store === "postgres" && !options.keyFile) {
            fail(
              "a PostgreSQL ledger keeps no key file: pass the key that signs its checkpoints with --key-file (pithead up keeps them in <data>/coordinator/ledger.key and <data>/fleet/fleet-ledger.key)",
              EXIT_USAGE,
            );
          }
          const probe = await open(target);
          const partition = await pickPartition(probe, options.partition);
          const latest = await probe.latestCheckpoint(partition);
          await probe.close();
          const lib = await ledgerModule();
          let chosen: ReturnType<typeof signingKey>;
          try {
            chosen = signingKey(lib, {
              location: target.location,
              partition,
              keyFile: options.keyFile,
              origin: options.origin,
              latest,
            });
          } catch (error) {
            return cannot(errorMessage(error));
          }
          const { signer, file } = chosen;
          if (chosen.created) process.stderr.write(`made a new signing key ${file} (mode 600) for ${partition}\n`);
          const ledger = await open(target, { signer });
          try {
            const checkpoint = await ledger.checkpoint(partition);
            const result = { partition, ...checkpoint, verifierKey: signer.verifierKey, keyFile: file };
            printResult(options.json === true, result, () => `${checkpoint.note}\nverifier key: ${signer.verifierKey}`);
          } catch (error) {
            fail(errorMessage(error), exitCodeOf(error));
          } finally {
            await ledger.close();
          }
        },
      ),
    );
}
