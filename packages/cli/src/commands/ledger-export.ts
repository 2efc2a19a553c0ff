// `pithead ledger export`: a partition as one self-contained file that `pithead ledger verify` checks
// offline, naming the verifier key of the key that signed its checkpoints (and only that one).
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { LedgerSigner } from "@pithead/ledger";
import { Command } from "commander";
import { DEFAULT_ORIGIN, keyLayout, keyThatSigned, originPrefix, signatoryOf } from "../ledger-keys.ts";
import { EXIT_USAGE, fail, plural, printResult } from "../output.ts";
import { spinner } from "../progress.ts";
import { cannot, failWith, guarded } from "./ledger-exit.ts";
import { ledgerModule, open, pickPartition, storeTarget } from "./ledger-target.ts";

export function exportCommand(): Command {
  return new Command("export")
    .description("Write a partition to one self-contained file that `pithead ledger verify` checks offline")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .argument("<file>", "the export file to write")
    .option("--partition <name>", "the partition (default: the only one)")
    .option(
      "--key-file <file>",
      "name the verifier key of this signing key in the export (default: the key beside the store that signed the partition's checkpoints)",
    )
    .option(
      "--json",
      "print {file, records, checkpoints, bytes, from} as JSON (from: the first record, above 0 when older ones are archived)",
    )
    .action(
      guarded(async (path: string, file: string, options: { partition?: string; keyFile?: string; json?: boolean }) => {
        // Said up front, about the file asked for (not the temporary file it is written through).
        if (!existsSync(dirname(resolve(file))))
          fail(`cannot write ${file}: the folder ${dirname(resolve(file))} does not exist`, EXIT_USAGE);
        const target = storeTarget(path, "export");
        if (options.keyFile && !existsSync(options.keyFile))
          fail(`--key-file ${options.keyFile} does not exist`, EXIT_USAGE);
        const probe = await open(target);
        const partition = await pickPartition(probe, options.partition);
        const latest = await probe.latestCheckpoint(partition);
        await probe.close();
        const lib = await ledgerModule();
        // Only a key that signed the partition's checkpoints is named in the export.
        let signer: LedgerSigner | undefined;
        if (latest) {
          const keyName = signatoryOf(lib, latest.note)?.keyName ?? DEFAULT_ORIGIN;
          const files = options.keyFile ? [options.keyFile] : keyLayout(target.location, partition).candidates;
          const origin = originPrefix(latest, partition) ?? DEFAULT_ORIGIN;
          signer = keyThatSigned(lib, files, latest, origin, keyName).match?.signer;
          if (!signer && options.keyFile)
            cannot(`--key-file ${options.keyFile} is not the key that signed the checkpoints of ${partition}`);
        }
        const ledger = await open(target, signer ? { signer } : {});
        const progress = spinner(`exporting ${partition}`);
        try {
          const written = await lib.exportPartition(ledger, partition, file);
          const start =
            written.from > 0 ? ` (from record ${written.from}: records 0..${written.from - 1} are archived)` : "";
          progress.succeed(
            `exported ${plural(written.records, "record")}${start} and ${plural(written.checkpoints, "checkpoint")} to ${file}`,
          );
          if (written.from > 0) {
            process.stderr.write(
              `note: the export starts at record ${written.from}; \`pithead ledger verify ${file}\` checks it from there (the chain and tree continue from the archive state its header carries, which its checkpoints vouch for). Verify the partition with --archive DIR to check records 0..${written.from - 1}\n`,
            );
          }
          if (options.json) printResult(true, { file, ...written }, () => "");
        } catch (error) {
          progress.fail(`export of ${partition} failed`);
          failWith(error);
        } finally {
          await ledger.close();
        }
      }),
    );
}
