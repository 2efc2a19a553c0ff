// The Ed25519 key that signs checkpoints. It lives in a PKCS#8 PEM file readable only by its owner
// (created with mode 600); like ssh, a key file others can read is refused rather than used.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createKeyFileOnce } from "./key-file.ts";
import { assertKeyName, formatVerifierKey, LedgerFormatError, noteKeyId } from "./signed-note.ts";

export interface LedgerSigner {
  /** Name line of the log, e.g. "pithead.local/coordinator"; each partition's checkpoints use `<origin>/<partition>`. */
  origin: string;
  keyName: string;
  publicKey: Uint8Array;
  /** 4-byte signed-note key id. */
  keyId: Uint8Array;
  /** `<name>+<hex id>+<base64(0x01 ‖ key)>`: what verifiers are given. */
  verifierKey: string;
  sign(message: Uint8Array): Uint8Array;
}

function assertOrigin(origin: string): void {
  if (typeof origin !== "string" || origin.length === 0 || /[\s\p{Cc}]/u.test(origin)) {
    throw new LedgerFormatError(`origin ${JSON.stringify(origin)} must be non-empty and contain no spaces`);
  }
}

function signerFromKey(privateKey: KeyObject, origin: string, keyName: string): LedgerSigner {
  assertOrigin(origin);
  assertKeyName(keyName);
  if (privateKey.asymmetricKeyType !== "ed25519") throw new LedgerFormatError("checkpoint keys must be Ed25519");
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  const publicKey = Buffer.from(jwk.x ?? "", "base64url");
  return {
    origin,
    keyName,
    publicKey,
    keyId: noteKeyId(keyName, publicKey),
    verifierKey: formatVerifierKey(keyName, publicKey),
    sign: (message) => sign(null, message, privateKey),
  };
}

export function signerFromPrivateKey(privateKeyPem: string, origin: string, keyName: string = origin): LedgerSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new LedgerFormatError("private key must be a PEM-encoded Ed25519 key");
  }
  return signerFromKey(key, origin, keyName);
}

/** Loads the Ed25519 key in `keyFile`, creating it (mode 600, parent directories 700) on first use. */
export function loadOrCreateSigner(keyFile: string, origin: string, keyName: string = origin): LedgerSigner {
  // Checked first: a bad origin or key name must not leave a new key file behind.
  assertOrigin(origin);
  assertKeyName(keyName);
  let pem: string;
  try {
    const mode = statSync(keyFile).mode;
    if ((mode & 0o077) !== 0) {
      throw new LedgerFormatError(
        `key file ${keyFile} is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${keyFile}`,
      );
    }
    pem = readFileSync(keyFile, "utf8");
  } catch (error) {
    // ENOTDIR: a file sits where a directory on the way should be; creating the key names it.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    const { privateKey } = generateKeyPairSync("ed25519");
    pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    // If another process created the key meanwhile, use theirs instead of overwriting it.
    if (!createKeyFileOnce(keyFile, pem)) pem = readFileSync(keyFile, "utf8");
  }
  if (pem.trim() === "") {
    // Only an older version could leave this (it wrote the key in place; a full disk or a crash
    // cut it short): an empty key never signed anything, but deleting a key is the operator's call.
    throw new LedgerFormatError(
      `key file ${keyFile} is empty (a first start that ran out of disk space or crashed?): nothing can have been signed with it, so delete it and start again`,
    );
  }
  try {
    return signerFromPrivateKey(pem, origin, keyName);
  } catch (error) {
    if (error instanceof LedgerFormatError) throw new LedgerFormatError(`key file ${keyFile}: ${error.message}`);
    throw error;
  }
}
