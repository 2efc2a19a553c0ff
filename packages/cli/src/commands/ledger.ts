// `pithead ledger …`: check and inspect an evidence ledger. verify (a store, an export file or an
// HTTP export route), show, append, proof, checkpoint, export, partitions and archive.
//
// Where the ledger is, from the <path> argument:
//   postgres://… or postgresql://…   a PostgreSQL store
//   http://… or https://…            a server's export route (verify only)
//   a directory                      a JSONL store (or one partition's `<name>.ledger` directory)
//   *.db, *.sqlite, *.sqlite3        a SQLite store
//   any other file                   an export file or a JSONL store's records.jsonl (verify only)
// The checkpoint key (checkpoint signs with it; verify and export check with it) is --key-file, else
// the key the partition's service keeps beside the store (see ledger-keys.ts); PostgreSQL keeps none.
// Exit codes, so that a cron job tells tampering from an outage: 1 the ledger failed verification
// (tampering or damage found), 2 the command line is wrong, 3 the command could not run.
//
// Each subcommand is its own file (ledger-<name>.ts); what they share: ledger-target.ts (the <path>),
// ledger-exit.ts (the exit codes), ledger-options.ts (option values).

import { Command } from "commander";
import { appendCommand } from "./ledger-append.ts";
import { archiveCommand } from "./ledger-archive.ts";
import { checkpointCommand } from "./ledger-checkpoint.ts";
import { EXIT_CODES_HELP } from "./ledger-exit.ts";
import { exportCommand } from "./ledger-export.ts";
import { partitionsCommand } from "./ledger-partitions.ts";
import { proofCommand } from "./ledger-proof.ts";
import { showCommand } from "./ledger-show.ts";
import { verifyCommand } from "./ledger-verify.ts";

export function registerLedgerCommands(program: Command): void {
  program.addCommand(
    new Command("ledger")
      .description(
        "The tamper-evident evidence ledger: verify, show, append, proof, checkpoint, export, partitions, archive",
      )
      .addHelpText("after", EXIT_CODES_HELP)
      .addCommand(verifyCommand())
      .addCommand(showCommand())
      .addCommand(appendCommand())
      .addCommand(proofCommand())
      .addCommand(checkpointCommand())
      .addCommand(exportCommand())
      .addCommand(partitionsCommand())
      .addCommand(archiveCommand()),
  );
}
