// What `pithead up` hands the coordinator (its flags) and the fleet controller (its settings, in the
// form of its environment): pure, so what each service is told is checked without starting it.
import { join } from "node:path";
import type { UpOptions } from "./up-options.ts";

/** The coordinator's flags: its ledger archived to <--ledger-archive-dir>/coordinator. */
export function coordinatorFlags(options: UpOptions, adminKey: string): Record<string, string> {
  const { dataDir, host, ports, postgres, ledgerArchive } = options;
  return {
    host,
    port: String(ports.coordinator),
    dataDir: join(dataDir, "coordinator"),
    adminKey,
    ...(postgres ? { db: postgres } : {}),
    ...(ledgerArchive
      ? {
          ledgerArchiveDir: join(ledgerArchive.dir, "coordinator"),
          ledgerArchiveAfterDays: String(ledgerArchive.afterDays),
        }
      : {}),
  };
}

/** The fleet controller's settings (its environment's form): its ledger archived to <--ledger-archive-dir>/fleet. */
export function fleetSettings(
  options: UpOptions,
  fleet: { operatorId: string; secret: string },
): Record<string, string> {
  const { dataDir, host, ports, postgres, ledgerArchive } = options;
  return {
    HOST: host,
    PORT: String(ports.fleet),
    DATA_DIR: join(dataDir, "fleet"),
    SIMULATED_MINERS: String(options.simulatedMiners),
    OPERATOR_ID: fleet.operatorId,
    OPERATOR_LABEL: "Simulated fleet",
    API_SECRET: fleet.secret,
    ...(postgres ? { LEDGER_STORE: "postgres", LEDGER_URL: postgres } : {}),
    ...(ledgerArchive
      ? {
          LEDGER_ARCHIVE_DIR: join(ledgerArchive.dir, "fleet"),
          LEDGER_ARCHIVE_AFTER_DAYS: String(ledgerArchive.afterDays),
        }
      : {}),
  };
}
