// Before `pithead up` starts anything: the ledgers it is about to write must be signed by the keys in
// its --data. A database an earlier --data used (`--postgres URL` with a new --data) or a data
// directory whose key files were removed holds checkpoints signed by keys this one lacks; starting
// anyway would sign new checkpoints with new keys, and from then on the ledger fails verification
// (and the coordinator's receipts and miner ids belong to the other directory's keys). So `up` stops
// with one clear error instead.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { LedgerStoreOptions } from "@pithead/ledger";
import { DEFAULT_ORIGIN, FLEET_ORIGIN, keyThatSigned, type LedgerLib, signatoryOf } from "../ledger-keys.ts";

/** One of the ledgers `up` writes: where it is, its partition and the key file that must sign it. */
export interface StackLedger {
  service: "coordinator" | "fleet";
  store: LedgerStoreOptions;
  partition: string;
  keyFile: string;
  origin: string;
}

/** The ledgers of `pithead up` with `dataDir`, where they are (PostgreSQL, or files under dataDir). */
export function stackLedgers(dataDir: string, postgres: string | undefined, fleetOperator: string): StackLedger[] {
  const coordinatorDir = join(dataDir, "coordinator");
  const fleetDir = join(dataDir, "fleet");
  return [
    {
      service: "coordinator",
      store: postgres
        ? { store: "postgres", url: postgres }
        : { store: "sqlite", path: join(coordinatorDir, "coordinator.db") },
      partition: "coordinator",
      keyFile: join(coordinatorDir, "ledger.key"),
      origin: DEFAULT_ORIGIN,
    },
    {
      service: "fleet",
      store: postgres ? { store: "postgres", url: postgres } : { store: "jsonl", dir: join(fleetDir, "fleet-ledger") },
      partition: `fleet/${fleetOperator}`,
      keyFile: join(fleetDir, "fleet-ledger.key"),
      origin: FLEET_ORIGIN,
    },
  ];
}

/** What is wrong with one ledger's key, or undefined when its checkpoints (if any) are signed by it. */
async function keyProblem(lib: LedgerLib, ledger: StackLedger): Promise<string | undefined> {
  const file =
    ledger.store.store === "sqlite" ? ledger.store.path : ledger.store.store === "jsonl" ? ledger.store.dir : undefined;
  // A store that does not exist yet has nothing signed (and opening it would create it).
  if (file !== undefined && !existsSync(file)) return undefined;
  const opened = await lib.openLedger(ledger.store);
  try {
    const latest = await opened.latestCheckpoint(ledger.partition);
    if (!latest) return undefined;
    const signedBy = signatoryOf(lib, latest.note);
    const found = keyThatSigned(lib, [ledger.keyFile], latest, ledger.origin, signedBy?.keyName ?? ledger.origin);
    if (found.match) return undefined;
    const seen = found.seen[0];
    const mine = seen?.keyId
      ? `${ledger.keyFile} holds key id ${seen.keyId}`
      : seen?.problem === "absent"
        ? `${ledger.keyFile} does not exist`
        : `${ledger.keyFile} cannot be used (${seen?.problem})`;
    return `the ${ledger.service}'s ledger is signed by ${signedBy ? `${signedBy.keyName} (key id ${signedBy.keyId})` : "another key"}, and ${mine}`;
  } finally {
    await opened.close();
  }
}

/**
 * Throws when a ledger of the stack has checkpoints signed by a key its --data does not hold, saying
 * what to do; resolves when every one is signed by the data directory's own keys (or has none yet).
 */
export async function checkStackLedgerKeys(
  dataDir: string,
  postgres: string | undefined,
  fleetOperator: string,
): Promise<void> {
  const lib = await import("@pithead/ledger");
  const problems: string[] = [];
  for (const ledger of stackLedgers(dataDir, postgres, fleetOperator)) {
    const problem = await keyProblem(lib, ledger);
    if (problem) problems.push(problem);
  }
  if (problems.length === 0) return;
  const keys = "keys.json, coordinator/ledger.key, coordinator/receipt-signing.key and fleet/fleet-ledger.key";
  throw new Error(
    postgres
      ? `this database belongs to another data directory: ${problems.join("; ")}. Start with the --data that first ran with this database, or copy its ${keys} into ${dataDir}`
      : `${problems.join("; ")}: the keys that signed these ledgers are missing from ${dataDir}. Put them back (${keys}); new keys would make the ledgers fail verification from now on`,
  );
}
