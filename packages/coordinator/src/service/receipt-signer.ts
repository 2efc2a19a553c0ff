// The coordinator's receipt-signing key: Ed25519, a PEM file (mode 600) created on first start.
// Several coordinator processes on one PostgreSQL database share it through the same file path.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { keyIdOf, type Receipt, rawPublicKey, receiptMessage } from "../core/receipt.ts";
import type { ReceiptSigner } from "../ops/context.ts";

function createKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  // Write aside, then link into place: link fails if another process won the race, and a crash
  // never leaves a half-written key at `path`.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, pem, { mode: 0o600 });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

export function loadOrCreateReceiptSigner(path: string): ReceiptSigner {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    createKeyFile(path);
    pem = readFileSync(path, "utf8");
  }
  const privateKey = createPrivateKey(pem);
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
