// Bittensor keyfiles (~/.bittensor/wallets/<wallet>/coldkey). bittensor-wallet writes the keypair
// as JSON, encrypted as `$NACL` + 24-byte nonce + NaCl secretbox, under a key derived from the
// password with argon2i (libsodium's OPSLIMIT_SENSITIVE = 8 passes, MEMLIMIT_SENSITIVE = 512 MiB)
// and a fixed salt. argon2 comes from hash-wasm (WebAssembly, no native addon): deriving the key
// takes several seconds by design. Files written unencrypted are plain JSON.

import { hexToU8a } from "@polkadot/util";
import { naclDecrypt, sr25519PairFromSeed } from "@polkadot/util-crypto";
import { getPublicKey } from "@scure/sr25519";
import { argon2i } from "hash-wasm";
import { addressOf, KeyError, pairFromMnemonic, type Sr25519Pair, schnorrkelToPolkadotSecret } from "./keypair.ts";

const NACL_PREFIX = new TextEncoder().encode("$NACL");
// bittensor-wallet's NACL_SALT: b"\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1".
const NACL_SALT = new Uint8Array([
  0x13, 0x71, 0x83, 0xdf, 0xf1, 0x5a, 0x09, 0xbc, 0x9c, 0x90, 0xb5, 0x51, 0x87, 0x39, 0xe9, 0xb1,
]);
const OPSLIMIT_SENSITIVE = 8;
const MEMLIMIT_SENSITIVE_KIB = 512 * 1024;
const NONCE_BYTES = 24;

/** The JSON inside a keyfile (every field optional, hex with 0x). */
export interface KeyfileJson {
  accountId?: string;
  publicKey?: string;
  privateKey?: string;
  secretPhrase?: string;
  secretSeed?: string;
  ss58Address?: string;
}

const startsWith = (data: Uint8Array, prefix: Uint8Array) => prefix.every((byte, i) => data[i] === byte);

export function isEncryptedKeyfile(data: Uint8Array): boolean {
  return startsWith(data, NACL_PREFIX);
}

function parseJson(data: Uint8Array): KeyfileJson {
  try {
    const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data)) as unknown;
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as KeyfileJson;
  } catch {
    // fall through
  }
  throw new KeyError("the keyfile does not hold keypair JSON");
}

export async function deriveKeyfileKey(password: string): Promise<Uint8Array> {
  return argon2i({
    password,
    salt: NACL_SALT,
    iterations: OPSLIMIT_SENSITIVE,
    memorySize: MEMLIMIT_SENSITIVE_KIB,
    parallelism: 1,
    hashLength: 32,
    outputType: "binary",
  });
}

/** Opens a `$NACL` keyfile with a key from deriveKeyfileKey. */
export function openKeyfile(data: Uint8Array, key: Uint8Array): KeyfileJson {
  const body = data.subarray(NACL_PREFIX.length);
  if (body.length <= NONCE_BYTES + 16) throw new KeyError("the keyfile is truncated");
  const plain = naclDecrypt(body.subarray(NONCE_BYTES), body.subarray(0, NONCE_BYTES), key);
  if (!plain) throw new KeyError("wrong password for this keyfile (or the file is damaged)");
  return parseJson(plain);
}

/** The keyfile's JSON: decrypted with the password when it is a `$NACL` file. */
export async function readKeyfile(data: Uint8Array, password?: string): Promise<KeyfileJson> {
  if (data[0] === 0x7b /* "{" */) return parseJson(data);
  if (!isEncryptedKeyfile(data)) {
    const text = new TextDecoder().decode(data.subarray(0, 8));
    const legacy = text.startsWith("gAAAAA") || text.startsWith("$ANSIBLE");
    throw new KeyError(
      legacy
        ? "this keyfile uses a legacy bittensor encryption: re-encrypt it with a current btcli (`btcli wallet update`)"
        : "not a bittensor keyfile (expected $NACL-encrypted or JSON content)",
    );
  }
  if (password === undefined) throw new KeyError("the keyfile is encrypted: a password is needed");
  // argon2 would refuse it with its own words ("Password must be specified").
  if (password === "") throw new KeyError("the keyfile is encrypted and the password given is empty");
  if (data.length <= NACL_PREFIX.length + NONCE_BYTES + 16) throw new KeyError("the keyfile is truncated");
  return openKeyfile(data, await deriveKeyfileKey(password));
}

/**
 * The keypair in a keyfile, in bittensor-wallet's order of preference: the mnemonic, then the
 * seed, then the 64-byte private key. The result must match the file's public key and address
 * when it has them, so a damaged or mismatched file is an error, not a wrong signature.
 */
export function pairFromKeyfile(json: KeyfileJson): Sr25519Pair {
  const expected = json.publicKey ?? json.accountId;
  const matches = (pair: Sr25519Pair) =>
    (!expected || expected.toLowerCase() === `0x${Buffer.from(pair.publicKey).toString("hex")}`) &&
    (!json.ss58Address || json.ss58Address === addressOf(pair));

  let pair: Sr25519Pair | undefined;
  if (json.secretPhrase) {
    pair = pairFromMnemonic(json.secretPhrase);
  } else if (json.secretSeed) {
    pair = sr25519PairFromSeed(hexToU8a(json.secretSeed));
  } else if (json.privateKey) {
    const secret = hexToU8a(json.privateKey);
    if (secret.length !== 64) throw new KeyError("the keyfile's privateKey is not 64 bytes");
    // bittensor-wallet stores schnorrkel's to_bytes form; older tools stored the ed25519 form.
    const candidates = [schnorrkelToPolkadotSecret(secret), secret].map((secretKey) => ({
      publicKey: getPublicKey(secretKey),
      secretKey,
    }));
    pair = candidates.find(matches) ?? candidates[0];
  } else {
    throw new KeyError("the keyfile holds no private key (is it a coldkeypub.txt?)");
  }
  if (!pair || !matches(pair)) throw new KeyError("the keyfile's private key does not match its public key or address");
  return pair;
}
