// Where a ledger command's <path> points (see ledger.ts), and opening the store or picking the
// partition it names, each failure with its exit code.
import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve, sep } from "node:path";
import type { Ledger, LedgerSigner, LedgerStoreOptions } from "@pithead/ledger";
import type { StoreLocation } from "../ledger-keys.ts";
import { EXIT_USAGE, errorMessage, fail } from "../output.ts";
import { cannot } from "./ledger-exit.ts";
import { isLedgerFile } from "./ledger-file-facts.ts";

// Loaded when a ledger command runs, so `pithead` itself starts without the ledger's dependencies.
export const ledgerModule = () => import("@pithead/ledger");

export type Target =
  | { kind: "store"; options: LedgerStoreOptions; location: StoreLocation; label: string }
  | { kind: "file"; file: string }
  | { kind: "url"; url: string };

const SQLITE_EXTENSIONS = new Set([".db", ".sqlite", ".sqlite3"]);

function jsonlStore(dir: string): Target {
  return { kind: "store", options: { store: "jsonl", dir }, location: { store: "jsonl", dir }, label: dir };
}

/** What <path> names; `create` allows a store that does not exist yet (append, checkpoint). */
export function resolveTarget(path: string, create = false): Target {
  if (/^postgres(ql)?:\/\//.test(path)) {
    return {
      kind: "store",
      options: { store: "postgres", url: path },
      location: { store: "postgres" },
      label: "PostgreSQL",
    };
  }
  if (/^https?:\/\//.test(path)) return { kind: "url", url: path };
  const exists = existsSync(path);
  if (exists && statSync(path).isDirectory()) {
    // One partition's directory: verify its files directly (sealed segments, records.jsonl, checkpoints).
    if (isPartitionDir(path)) {
      return { kind: "file", file: path };
    }
    return jsonlStore(path);
  }
  if (SQLITE_EXTENSIONS.has(extname(path))) {
    if (!exists && !create) cannot(`no ledger at ${path}`);
    return { kind: "store", options: { store: "sqlite", path }, location: { store: "sqlite", path }, label: path };
  }
  if (exists) return { kind: "file", file: path };
  if (create) return jsonlStore(path);
  return cannot(`no ledger at ${path}`);
}

export function storeTarget(path: string, command: string, create = false): Extract<Target, { kind: "store" }> {
  const target = resolveTarget(path, create);
  if (target.kind === "file" && !statSync(target.file).isDirectory() && !isLedgerFile(target.file)) {
    // Not a ledger of any kind: no ledger there (exit 3), as `ledger verify` says of the same file.
    cannot(`no ledger at ${path}: it is not a ledger store (a JSONL directory, a SQLite file or a postgres:// URL)`);
  }
  if (target.kind !== "store") {
    const what =
      target.kind === "url"
        ? "a URL"
        : statSync(target.file).isDirectory()
          ? "one partition's directory"
          : "an export file";
    fail(
      `${command} needs a ledger store (a JSONL directory, a SQLite file or a postgres:// URL); ${path} is ${what}`,
      EXIT_USAGE,
    );
  }
  return target;
}

/**
 * Opens a store. A repair the library makes when a writer opens a JSONL partition (a torn last line
 * moved aside) is said on stderr, so a command that writes never repairs silently.
 */
export async function open(
  target: Extract<Target, { kind: "store" }>,
  extra: { signer?: LedgerSigner; verifierKey?: string } = {},
) {
  const { openLedger } = await ledgerModule();
  try {
    return await openLedger({
      ...target.options,
      ...extra,
      onRecovery: (recovery) => process.stderr.write(`warning: ${recovery.message}\n`),
    });
  } catch (error) {
    return cannot(`cannot open ${target.label}: ${errorMessage(error)}`);
  }
}

/** The partition to read: the one named (it must exist), or the only one there is. */
export async function pickPartition(ledger: Ledger, requested: string | undefined): Promise<string> {
  const all = await ledger.partitions();
  if (requested) {
    if (all.includes(requested)) return requested;
    const known = all.length === 0 ? "it has none yet" : `it has ${all.join(", ")}`;
    return fail(`no partition ${requested} in this ledger (${known})`, EXIT_USAGE);
  }
  if (all.length === 1) return all[0]!;
  if (all.length === 0) return fail("this ledger has no partitions yet; name one with --partition", EXIT_USAGE);
  return fail(`this ledger has ${all.length} partitions (${all.join(", ")}); pick one with --partition`, EXIT_USAGE);
}

/** A JSONL partition's directory (`<store>/<a>/<b>.ledger` holding records.jsonl), not a whole store. */
export function isPartitionDir(path: string): boolean {
  return path.replace(/\/+$/, "").endsWith(".ledger") && existsSync(join(path, "records.jsonl"));
}

/**
 * The store's root and the partition's full name for a partition's directory, so that it is read as
 * its store is (the key beside the store, the name its checkpoints sign). Its checkpoints' origin says
 * where the name starts; without one, a directory under `fleet/` is the fleet controller's
 * `fleet/<operator>` (its only nested partitions), else the name is the directory's own.
 */
export async function locatePartitionDir(dir: string): Promise<{ root: string; partition: string }> {
  const { partitionNameOf } = await ledgerModule();
  let partition = partitionNameOf(dir);
  const parent = dirname(resolve(dir));
  if (!partition.includes("/") && !existsSync(join(dir, "checkpoints.jsonl")) && basename(parent) === "fleet")
    partition = `fleet/${partition}`;
  const parts = resolve(dir).split(sep);
  const root = parts.slice(0, parts.length - partition.split("/").length).join(sep) || sep;
  return { root, partition };
}
