// Before `pithead up` or `pithead coordinator start` starts anything: the database it is about to
// write must be signed by the keys in its --data. A database an earlier --data used (`--postgres URL`
// or `--db` with a new --data) or a data directory whose key files were removed holds checkpoints and
// receipts signed by keys this one lacks; starting anyway would create new keys, sign new checkpoints
// with them (from then on the ledger fails verification) and publish another receipt key (the
// receipts fail verification against the other process's). So the start stops with one clear error.

import { createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CoordinatorConfig } from "@pithead/coordinator";
import type { Ledger, LedgerStoreOptions } from "@pithead/ledger";
import { DEFAULT_ORIGIN, FLEET_ORIGIN, keyThatSigned, type LedgerLib, signatoryOf } from "../ledger-keys.ts";
import { errorMessage } from "../output.ts";

/** One of the ledgers `up` writes: where it is, its partition and the key file that must sign it. */
export interface StackLedger {
  service: "coordinator" | "fleet";
  store: LedgerStoreOptions;
  partition: string;
  keyFile: string;
  origin: string;
  /** The coordinator's: the key file that must have signed the receipts in its ledger. */
  receiptKeyFile?: string;
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
      receiptKeyFile: join(coordinatorDir, "receipt-signing.key"),
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

/** The key id a receipt-signing key file (PEM) publishes (hex SHA-256 of its public key), or why it has none. */
async function receiptKeyIdOf(file: string): Promise<{ keyId: string } | { problem: string }> {
  if (!existsSync(file)) return { problem: "absent" };
  try {
    const { keyIdOf } = await import("@pithead/coordinator");
    return { keyId: keyIdOf(createPublicKey(createPrivateKey(readFileSync(file, "utf8")))) };
  } catch (error) {
    return { problem: errorMessage(error) };
  }
}

/** The key id of the latest receipt the coordinator signed (its last completed job's), if any. */
async function latestReceiptKeyId(opened: Ledger, partition: string): Promise<string | undefined> {
  for await (const record of opened.read(partition, { type: "coordinator.job.completed", reverse: true, limit: 1 })) {
    const receipts = (record.body as { receipts?: { key_id?: unknown }[] }).receipts;
    const keyId = receipts?.[0]?.key_id;
    return typeof keyId === "string" ? keyId : undefined;
  }
  return undefined;
}

/** "FILE holds key id X", "FILE does not exist" or "FILE cannot be used (why)". */
function describeFile(file: string, seen: { keyId?: string; problem?: string } | undefined): string {
  if (seen?.keyId) return `${file} holds key id ${seen.keyId}`;
  return seen?.problem === "absent" ? `${file} does not exist` : `${file} cannot be used (${seen?.problem})`;
}

/** What is wrong with the keys of one ledger's store, empty when what it holds (if anything) is signed by them. */
async function keyProblems(lib: LedgerLib, ledger: StackLedger): Promise<string[]> {
  const file =
    ledger.store.store === "sqlite" ? ledger.store.path : ledger.store.store === "jsonl" ? ledger.store.dir : undefined;
  // A store that does not exist yet has nothing signed (and opening it would create it).
  if (file !== undefined && !existsSync(file)) return [];
  const problems: string[] = [];
  const opened = await lib.openLedger(ledger.store);
  try {
    const latest = await opened.latestCheckpoint(ledger.partition);
    if (latest) {
      const signedBy = signatoryOf(lib, latest.note);
      const found = keyThatSigned(lib, [ledger.keyFile], latest, ledger.origin, signedBy?.keyName ?? ledger.origin);
      if (!found.match) {
        problems.push(
          `the ${ledger.service}'s ledger is signed by ${signedBy ? `${signedBy.keyName} (key id ${signedBy.keyId})` : "another key"}, and ${describeFile(ledger.keyFile, found.seen[0])}`,
        );
      }
    }
    const receiptKeyId = ledger.receiptKeyFile ? await latestReceiptKeyId(opened, ledger.partition) : undefined;
    if (ledger.receiptKeyFile && receiptKeyId !== undefined) {
      const mine = await receiptKeyIdOf(ledger.receiptKeyFile);
      if (!("keyId" in mine) || mine.keyId !== receiptKeyId) {
        problems.push(
          `the ${ledger.service}'s receipts are signed by key id ${receiptKeyId}, and ${describeFile(ledger.receiptKeyFile, mine)}`,
        );
      }
    }
  } finally {
    await opened.close();
  }
  return problems;
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
  for (const ledger of stackLedgers(dataDir, postgres, fleetOperator))
    problems.push(...(await keyProblems(lib, ledger)));
  if (problems.length === 0) return;
  const keys = "keys.json, coordinator/ledger.key, coordinator/receipt-signing.key and fleet/fleet-ledger.key";
  throw new Error(
    postgres
      ? `this database belongs to another data directory: ${problems.join("; ")}. Start with the --data that first ran with this database, or copy its ${keys} into ${dataDir}`
      : `${problems.join("; ")}: the keys that signed these ledgers are missing from ${dataDir}. Put them back (${keys}); new keys would make the ledgers fail verification from now on`,
  );
}

/** The coordinator's settings this check reads. */
export type CoordinatorKeySettings = Pick<
  CoordinatorConfig,
  "dataDir" | "db" | "ledgerKeyFile" | "receiptKeyFile" | "ledgerOrigin"
>;

/** The database as an error names it: a SQLite path, or a PostgreSQL URL without its password. */
function databaseName(db: CoordinatorConfig["db"]): string {
  if (db.kind === "sqlite") return db.path;
  try {
    const url = new URL(db.url);
    if (url.password) url.password = "****";
    return url.toString();
  } catch {
    return "the PostgreSQL database";
  }
}

/**
 * Where the keys that signed the database are, when that can be told: a SQLite file's own folder
 * (the --data of the coordinator that made it) when its key files there are the ones that signed.
 */
async function signingKeysBeside(lib: LedgerLib, config: CoordinatorKeySettings): Promise<string | undefined> {
  if (config.db.kind !== "sqlite") return undefined;
  const dir = dirname(config.db.path);
  if (dir === config.dataDir) return undefined;
  const keyFile = join(dir, "ledger.key");
  const receiptKeyFile = join(dir, "receipt-signing.key");
  if (!existsSync(keyFile) || !existsSync(receiptKeyFile)) return undefined;
  const problems = await keyProblems(lib, { ...coordinatorLedger(config), keyFile, receiptKeyFile });
  return problems.length === 0 ? dir : undefined;
}

function coordinatorLedger(config: CoordinatorKeySettings): StackLedger {
  return {
    service: "coordinator",
    store:
      config.db.kind === "sqlite"
        ? { store: "sqlite", path: config.db.path }
        : { store: "postgres", url: config.db.url },
    partition: "coordinator",
    keyFile: config.ledgerKeyFile,
    origin: config.ledgerOrigin,
    receiptKeyFile: config.receiptKeyFile,
  };
}

/**
 * `pithead coordinator start`: throws when the database holds ledger checkpoints or receipts signed by
 * keys that --data does not hold (another process's database, or key files removed), naming the
 * database, the key files expected and where to copy them from; resolves when they match (or the
 * database has nothing signed yet).
 */
export async function checkCoordinatorKeys(config: CoordinatorKeySettings): Promise<void> {
  const lib = await import("@pithead/ledger");
  const problems = await keyProblems(lib, coordinatorLedger(config));
  if (problems.length === 0) return;
  const from = await signingKeysBeside(lib, config);
  const keys = "receipt-signing.key and ledger.key (and admin.key, which the keys and wallet commands read)";
  const where = from
    ? `Copy ${keys} from ${from} (beside the database: they signed it) into ${config.dataDir}, or start with --data ${from}`
    : `Copy ${keys} from the --data directory of the coordinator that signed this database into ${config.dataDir} (processes sharing a database share these keys), or start with that --data`;
  throw new Error(
    `the database ${databaseName(config.db)} was signed with keys that ${config.dataDir} does not hold: ${problems.join("; ")}. Started like this, the coordinator would publish another receipt key and sign ledger checkpoints with another key: its receipts and this database's ledger would fail verification. ${where}`,
  );
}
