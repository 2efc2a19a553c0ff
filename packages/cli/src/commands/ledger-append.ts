// `pithead ledger append`: one record by hand (an operator's note), never a service's own record
// without --service-type.
import { Command } from "commander";
import { EXIT_USAGE, errorMessage, fail, printResult } from "../output.ts";
import { exitCodeOf, guarded } from "./ledger-exit.ts";
import { open, storeTarget } from "./ledger-target.ts";

/**
 * The services whose own records the CLI does not write by hand: a coordinator.wallet.funded record
 * in the coordinator's partition stands for money in its books, and one the coordinator did not
 * write leaves its books and its ledger disagreeing (the coordinator's ledger, inside its database,
 * is not guarded by a writer lock the CLI could see). Their partitions are named after them
 * (coordinator, fleet/<operator>).
 */
export const SERVICE_NAMESPACES = ["coordinator", "fleet", "agent", "miner"] as const;

/** The service whose partition this is (`coordinator`, `fleet/<operator>`, …), if it is one. */
export function serviceOfPartition(partition: string): string | undefined {
  const owner = partition.split("/")[0] ?? "";
  return (SERVICE_NAMESPACES as readonly string[]).includes(owner) ? owner : undefined;
}

/** The service whose own record `type` would be in `partition`, if it is one. */
export function serviceRecordOf(partition: string, type: string): string | undefined {
  const service = serviceOfPartition(partition);
  return service !== undefined && type.split(".")[0] === service ? service : undefined;
}

export function appendCommand(): Command {
  return new Command("append")
    .description(
      "Append one record, e.g. an operator's note (ops.note). A service's own record types in its partition (coordinator.* in coordinator, fleet.* in fleet/…) are refused without --service-type. A partition whose writer lock a running process holds is refused (the fleet controller's JSONL ledger; writers of the ledger library's SQLite and PostgreSQL stores); the coordinator holds none, so stop it before --service-type.",
    )
    .argument("<path>", "a JSONL store directory (created if missing), a SQLite file or a postgres:// URL")
    .requiredOption("--partition <name>", "the partition, e.g. ops or fleet/op-1")
    .requiredOption("--type <type>", "the record type, namespaced like part.name (e.g. ops.note)")
    .requiredOption("--body <json>", "the record body as JSON")
    .option(
      "--service-type",
      "allow a service's own record type in its partition: the service is stopped and you mean to write its record by hand",
    )
    .option("--json", "print the stored record as JSON")
    .action(
      guarded(
        async (
          path: string,
          options: { partition: string; type: string; body: string; serviceType?: boolean; json?: boolean },
        ) => {
          const service = serviceRecordOf(options.partition, options.type);
          if (service && !options.serviceType) {
            fail(
              `--type ${options.type} in partition ${options.partition} is the ${service}'s own record: the ${service} writes those, and one it did not write leaves its books and its ledger disagreeing. Use a type of your own (e.g. ops.note), or add --service-type if the ${service} is stopped and you mean it`,
              EXIT_USAGE,
            );
          }
          let body: unknown;
          try {
            body = JSON.parse(options.body);
          } catch (error) {
            fail(`--body is not valid JSON: ${errorMessage(error)}`, EXIT_USAGE);
          }
          const ledger = await open(storeTarget(path, "append", true));
          try {
            const record = await ledger.append(options.partition, options.type, body as never);
            printResult(
              options.json === true,
              record,
              () => `appended ${options.partition} #${record.seq} ${record.hash}`,
            );
          } catch (error) {
            fail(errorMessage(error), exitCodeOf(error));
          } finally {
            await ledger.close();
          }
        },
      ),
    );
}
