// The miner's Ed25519 identity: created on first start (PKCS#8 PEM, mode 600, never
// overwritten), its public key sent in the heartbeat's capabilities, and used to sign proofs.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { makeDirsReporting } from "@pithead/ledger";

export interface MinerKey {
  /** base64 of the raw 32-byte public key (the coordinator's wire form). */
  publicKey: string;
  /** Whether this start created the key file. */
  created: boolean;
  sign(message: Uint8Array): string;
}

/** Raw 32 bytes of an Ed25519 public key: the tail of its SPKI DER encoding. */
function rawPublicKey(key: KeyObject): Buffer {
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  return der.subarray(der.length - 32);
}

function fromPrivate(privateKey: KeyObject, created: boolean): MinerKey {
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error("the key file does not hold an Ed25519 key");
  return {
    publicKey: rawPublicKey(privateKey).toString("base64"),
    created,
    sign: (message) => sign(null, message, privateKey).toString("base64"),
  };
}

/** Loads the key at `file`, or creates it (mode 600) when there is none. */
export function loadOrCreateMinerKey(file: string): MinerKey {
  let pem: string | undefined;
  try {
    pem = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`cannot read the miner key ${file}: ${(error as Error).message}`);
    }
  }
  if (pem !== undefined) {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new Error(`the miner key ${file} is not a PEM private key; move it away to create a new one`);
    }
    // A key readable by others is tightened rather than refused: it is ours to protect.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return fromPrivate(key, false);
  }
  makeDirsReporting(dirname(file));
  const { privateKey } = generateKeyPairSync("ed25519");
  const text = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  try {
    // wx: two miners starting at once on one WORK_DIR cannot overwrite each other's key.
    writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return loadOrCreateMinerKey(file);
    throw new Error(`cannot write the miner key ${file}: ${(error as Error).message}`);
  }
  return fromPrivate(privateKey, true);
}
