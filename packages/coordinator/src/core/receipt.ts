// Receipts: what the coordinator signs when it pays a miner. RFC 8785 canonical JSON, Ed25519;
// the key id is the hex SHA-256 of the raw 32-byte public key. A client checks a receipt against
// the coordinator's published key (GET /v1/keys/receipts), never against a key carried inside it.
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import type { JsonValue } from "./model.ts";

export interface Receipt {
  receipt_id: string;
  job_id: string;
  miner_id: string;
  wallet: string;
  /** The client's wallet. */
  client: string;
  workload: string;
  units: number;
  unit_type: string;
  /** What the miner was paid (the reward less the coordinator's fee). */
  reward: number;
  output_sha: string;
  started_at: string;
  completed_at: string;
  /** Sequence number of the job's completion record in the coordinator's ledger. */
  ledger_seq: number;
}

export interface SignedReceipt {
  receipt: Receipt;
  /** base64 Ed25519 signature over canonicalJson(receipt). */
  signature: string;
  key_id: string;
  algorithm: "Ed25519";
}

/** Work units for the receipt: what the miner reports, else what its workload counts, else one job. */
export function receiptUnits(
  workload: string,
  metrics: { [key: string]: JsonValue },
): { units: number; unit_type: string } {
  const positive = (value: JsonValue | undefined): value is number =>
    typeof value === "number" && Number.isSafeInteger(value) && value > 0;
  const units = metrics.units;
  const unitType = metrics.unit_type;
  if (positive(units) && typeof unitType === "string" && /^[a-z_]{1,32}$/.test(unitType)) {
    return { units, unit_type: unitType };
  }
  if (workload === "llm_gen" && positive(metrics.tokens)) return { units: metrics.tokens, unit_type: "tokens" };
  if (workload === "sd_infer" && positive(metrics.images)) return { units: metrics.images, unit_type: "images" };
  return { units: 1, unit_type: "job" };
}

export function receiptMessage(receipt: Receipt): Buffer {
  return Buffer.from(canonicalJson(receipt), "utf8");
}

/** Raw 32-byte Ed25519 public key from base64 (raw) or PEM. */
export function rawPublicKey(key: string | KeyObject): Buffer {
  const object = typeof key === "string" ? publicKeyObject(key) : key;
  const der = object.export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

export function publicKeyObject(key: string): KeyObject {
  if (key.includes("BEGIN PUBLIC KEY")) {
    const object = createPublicKey(key);
    if (object.asymmetricKeyType !== "ed25519") throw new Error("not an Ed25519 public key");
    return object;
  }
  // Strict base64 of exactly 32 bytes: Buffer.from would silently skip junk characters.
  if (!/^[A-Za-z0-9+/]{43}=$/.test(key)) throw new Error("an Ed25519 public key is 32 bytes (base64) or a PEM block");
  const raw = Buffer.from(key, "base64");
  // SPKI wrapper for a raw Ed25519 key (RFC 8410): fixed 12-byte prefix.
  const prefix = Buffer.from("302a300506032b6570032100", "hex");
  return createPublicKey({ key: Buffer.concat([prefix, raw]), format: "der", type: "spki" });
}

export function keyIdOf(key: string | KeyObject): string {
  return createHash("sha256").update(rawPublicKey(key)).digest("hex");
}

/**
 * Checks a signed receipt against the coordinator's public key (base64 raw or PEM): the key id
 * must be that key's and the signature must cover the canonical receipt. Never throws on bad input.
 */
export function verifyReceipt(signed: SignedReceipt, publicKey: string | KeyObject): boolean {
  try {
    const key = typeof publicKey === "string" ? publicKeyObject(publicKey) : publicKey;
    if (signed.algorithm !== "Ed25519" || signed.key_id !== keyIdOf(key)) return false;
    const signature = Buffer.from(signed.signature, "base64");
    if (signature.length !== 64) return false;
    return verify(null, receiptMessage(signed.receipt), key, signature);
  } catch {
    return false;
  }
}
