// The coordinator's receipt-signing key: Ed25519, a PEM file (mode 600) created on first start.
// Several coordinator processes on one PostgreSQL database share it through the same file path.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createKeyFileOnce } from "@pithead/ledger";
import { keyIdOf, type Receipt, rawPublicKey, receiptMessage } from "../core/receipt.ts";
import type { ReceiptSigner } from "../ops/context.ts";

export function loadOrCreateReceiptSigner(path: string): ReceiptSigner {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const { privateKey } = generateKeyPairSync("ed25519");
    // Written whole or not at all; if another process won the race, its key is the one used.
    createKeyFileOnce(path, privateKey.export({ format: "pem", type: "pkcs8" }).toString());
    pem = readFileSync(path, "utf8");
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(
      pem.trim() === ""
        ? `${path} is empty (a first start that ran out of disk space or crashed?): no receipt was signed with it, so delete it and start again`
        : `${path} is not a PEM private key`,
    );
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error(`${path} is not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    publicKey: rawPublicKey(publicKey).toString("base64"),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sign(receipt: Receipt) {
      return {
        receipt,
        signature: sign(null, receiptMessage(receipt), privateKey).toString("base64"),
        key_id: keyId,
        algorithm: "Ed25519",
      };
    },
  };
}
