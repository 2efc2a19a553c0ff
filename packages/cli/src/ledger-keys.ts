// Which Ed25519 key signs (checkpoint) or checks (verify, export) a partition's checkpoints. The
// services keep their key beside their store under their own names, and a checkpoint signed with any
// other key makes the partition fail verification from then on, so the ledger commands look where
// each service keeps it, use the key that signed the partition's existing checkpoints, and never
// make a new key for a partition that has some. Known layouts:
//   fleet controller  <DATA_DIR>/fleet-ledger/ (JSONL) or <DATA_DIR>/fleet-ledger.sqlite
//                     → <DATA_DIR>/fleet-ledger.key (the store's name + .key, beside it)
//   coordinator       <data>/coordinator.db (its ledger is inside) → <data>/ledger.key
//   a store of `pithead ledger`'s own → ledger.key: <dir>/ledger.key, or the database's folder
// `pithead up` keeps them under <data>/coordinator/ and <data>/fleet/. PostgreSQL keeps no file.

import { existsSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Checkpoint, LedgerSigner } from "@pithead/ledger";
import { errorMessage } from "./output.ts";

export type StoreLocation = { store: "jsonl"; dir: string } | { store: "sqlite"; path: string } | { store: "postgres" };

export interface KeyLayout {
  /** Where a key for this partition is looked for, the service's own place first. */
  candidates: string[];
  /** Where a new key is made (only for a partition without checkpoints); none for PostgreSQL. */
  home: string | undefined;
  /** The origin (and key name) the partition's service signs with. */
  origin: string;
}

export const FLEET_ORIGIN = "pithead-fleet";
export const DEFAULT_ORIGIN = "pithead.local";

/** The fleet controller's partitions are fleet/<operator>. */
const isFleetPartition = (partition: string) => partition === "fleet" || partition.startsWith("fleet/");

/** `<store>.key` beside the store: the fleet controller's name for its key. */
function namedAfter(location: Exclude<StoreLocation, { store: "postgres" }>): string {
  if (location.store === "sqlite")
    return `${location.path.slice(0, location.path.length - extname(location.path).length)}.key`;
  const dir = location.dir.replace(/(.)\/+$/, "$1");
  // "." or ".." has no name to add ".key" to: name the folder itself.
  return [".", ".."].includes(basename(dir)) ? `${resolve(dir)}.key` : `${dir}.key`;
}

function besideStore(location: Exclude<StoreLocation, { store: "postgres" }>): string {
  return location.store === "sqlite" ? join(dirname(location.path), "ledger.key") : join(location.dir, "ledger.key");
}

/** Pure: where the key of `partition` in the store at `location` is kept. */
export function keyLayout(location: StoreLocation, partition: string): KeyLayout {
  const fleet = isFleetPartition(partition);
  const origin = fleet ? FLEET_ORIGIN : DEFAULT_ORIGIN;
  if (location.store === "postgres") return { candidates: [], home: undefined, origin };
  const [home, other] = fleet
    ? [namedAfter(location), besideStore(location)]
    : [besideStore(location), namedAfter(location)];
  return { candidates: [home, other], home, origin };
}

/** Who signed a checkpoint: its first signature's key name and 8-hex-digit key id. */
export interface Signatory {
  keyName: string;
  keyId: string;
}

export type LedgerLib = typeof import("@pithead/ledger");

export function signatoryOf(lib: LedgerLib, note: string): Signatory | undefined {
  try {
    const first = lib.parseCheckpoint(note).signatures[0];
    return first ? { keyName: first.keyName, keyId: Buffer.from(first.keyId).toString("hex") } : undefined;
  } catch {
    // A malformed stored note: verify reports it; no key can be matched to it.
    return undefined;
  }
}

const describeSignatory = (who: Signatory | undefined) => (who ? `${who.keyName} (key id ${who.keyId})` : "no key");

/** A key file's signer under `keyName`, never creating the file; a problem is said, not thrown. */
function loadKey(
  lib: LedgerLib,
  file: string,
  origin: string,
  keyName: string,
): { signer: LedgerSigner } | { problem: string } {
  if (!existsSync(file)) return { problem: "absent" };
  try {
    return { signer: lib.loadOrCreateSigner(file, origin, keyName) };
  } catch (error) {
    return { problem: errorMessage(error) };
  }
}

export interface CheckedKeys {
  /** The first key file whose key signed the checkpoint. */
  match?: { file: string; signer: LedgerSigner };
  /** Each file looked at: its key id, or why it cannot be used ("absent", a bad mode, not a key). */
  seen: { file: string; keyId?: string; problem?: string }[];
}

/** Looks at `files` in order for the key that signed `latest`. */
export function keyThatSigned(
  lib: LedgerLib,
  files: readonly string[],
  latest: Checkpoint,
  origin: string,
  keyName: string,
): CheckedKeys {
  const seen: CheckedKeys["seen"] = [];
  for (const file of files) {
    const loaded = loadKey(lib, file, origin, keyName);
    if ("problem" in loaded) {
      seen.push({ file, problem: loaded.problem });
      continue;
    }
    seen.push({ file, keyId: Buffer.from(loaded.signer.keyId).toString("hex") });
    if (lib.verifyCheckpoint(latest.note, loaded.signer.verifierKey))
      return { match: { file, signer: loaded.signer }, seen };
  }
  return { seen };
}

/** Thrown with a message for the user: which key was wanted, and what each file holds. */
export class KeyChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyChoiceError";
  }
}

export interface SigningKeyRequest {
  location: StoreLocation;
  partition: string;
  /** --key-file, when given. */
  keyFile: string | undefined;
  /** --origin, when given: the origin of a partition's first checkpoint. */
  origin: string | undefined;
  latest: Checkpoint | undefined;
}

/** The origin prefix the partition's checkpoints use: `<origin>/<partition>` minus the partition. */
export function originPrefix(latest: Checkpoint, partition: string): string | undefined {
  const suffix = `/${partition}`;
  return latest.origin.endsWith(suffix) ? latest.origin.slice(0, -suffix.length) : undefined;
}

/**
 * The key `pithead ledger checkpoint` signs with. A partition with checkpoints is signed only with
 * the key that signed them (--key-file must be that key; without it, the service's key file is
 * found); a partition without any uses --key-file or the key kept beside the store, made if missing.
 */
export function signingKey(
  lib: LedgerLib,
  request: SigningKeyRequest,
): { file: string; signer: LedgerSigner; created: boolean } {
  const { partition, latest } = request;
  const layout = keyLayout(request.location, partition);
  if (!latest) {
    const origin = request.origin ?? layout.origin;
    const file = request.keyFile ?? layout.candidates.find((candidate) => existsSync(candidate)) ?? layout.home;
    if (!file) throw new KeyChoiceError("a PostgreSQL ledger keeps no key file: name the signing key with --key-file");
    const created = !existsSync(file);
    try {
      return { file, signer: lib.loadOrCreateSigner(file, origin, origin), created };
    } catch (error) {
      throw new KeyChoiceError(`${file}: ${errorMessage(error)}`);
    }
  }
  const signedBy = signatoryOf(lib, latest.note);
  const origin = originPrefix(latest, partition) ?? layout.origin;
  const keyName = signedBy?.keyName ?? origin;
  const files = request.keyFile ? [request.keyFile] : layout.candidates;
  const found = keyThatSigned(lib, files, latest, origin, keyName);
  if (found.match) return { ...found.match, created: false };
  const wanted = `the checkpoints of ${partition} are signed by ${describeSignatory(signedBy)}`;
  const refusal = "signing with another key would make the partition fail verification from then on";
  if (request.keyFile) {
    const [given] = found.seen;
    // The right key may be where the service keeps it: say so.
    const elsewhere = keyThatSigned(lib, layout.candidates, latest, origin, keyName).match?.file;
    const holds = given?.keyId
      ? `holds key id ${given.keyId}`
      : given?.problem === "absent"
        ? "does not exist"
        : `cannot be used (${given?.problem})`;
    throw new KeyChoiceError(
      `--key-file ${request.keyFile} ${holds}, but ${wanted}: ${refusal}${elsewhere ? `. That key is ${elsewhere}: pass --key-file ${elsewhere}` : ""}`,
    );
  }
  if (files.length === 0) {
    throw new KeyChoiceError(
      `${wanted}; a PostgreSQL ledger keeps no key file: pass the key that signed them with --key-file (pithead up keeps its keys in <data>/coordinator/ledger.key and <data>/fleet/fleet-ledger.key)`,
    );
  }
  const looked = found.seen
    .map(
      (seen) =>
        `${seen.file} ${seen.keyId ? `holds key id ${seen.keyId}` : seen.problem === "absent" ? "does not exist" : `cannot be used (${seen.problem})`}`,
    )
    .join("; ");
  throw new KeyChoiceError(
    `${wanted}, and no key kept beside the store is that key (${looked}): pass the key that signed them with --key-file. No new key is made for a partition that has signed checkpoints: ${refusal}`,
  );
}

/**
 * The key file whose public half checks a partition's checkpoints (verify, export), or undefined
 * when none is kept beside the store. The one that signed the latest checkpoint is preferred; when
 * none did, the service's own key file is still used, so the bad signatures are reported.
 */
export function checkingKey(
  lib: LedgerLib,
  location: StoreLocation,
  partition: string,
  latest: Checkpoint | undefined,
): { file: string; signer: LedgerSigner } | undefined {
  const layout = keyLayout(location, partition);
  const existing = layout.candidates.filter((candidate) => existsSync(candidate));
  if (existing.length === 0) return undefined;
  const origin = (latest && originPrefix(latest, partition)) ?? layout.origin;
  const keyName = (latest && signatoryOf(lib, latest.note)?.keyName) ?? origin;
  if (latest) {
    const found = keyThatSigned(lib, existing, latest, origin, keyName);
    if (found.match) return found.match;
  }
  const first = existing[0] as string;
  try {
    return { file: first, signer: lib.loadOrCreateSigner(first, origin, keyName) };
  } catch (error) {
    throw new KeyChoiceError(`${first}: ${errorMessage(error)}`);
  }
}
