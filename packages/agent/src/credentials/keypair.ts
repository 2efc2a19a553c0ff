// sr25519 keypairs from what an operator has: a mnemonic, a 32-byte seed, or a Bittensor keyfile's
// JSON. Addresses are SS58 with the generic Substrate prefix 42, as Bittensor's ("5…").

import { hexToU8a, isHex, u8aToHex } from "@polkadot/util";
import { encodeAddress, mnemonicToMiniSecret, mnemonicValidate, sr25519PairFromSeed } from "@polkadot/util-crypto";

export const SS58_PREFIX = 42;

export interface Sr25519Pair {
  publicKey: Uint8Array;
  /** 64 bytes, in @polkadot/util-crypto's (ed25519-compatible) form. */
  secretKey: Uint8Array;
}

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

export const addressOf = (pair: Sr25519Pair) => encodeAddress(pair.publicKey, SS58_PREFIX);

export function pairFromMnemonic(mnemonic: string): Sr25519Pair {
  const words = mnemonic.trim().split(/\s+/).join(" ");
  if (!mnemonicValidate(words)) {
    throw new KeyError("the mnemonic is not a valid BIP-39 phrase (check the words and their order)");
  }
  return sr25519PairFromSeed(mnemonicToMiniSecret(words));
}

export function pairFromSeed(seedHex: string): Sr25519Pair {
  const hex = seedHex.trim().startsWith("0x") ? seedHex.trim() : `0x${seedHex.trim()}`;
  if (!isHex(hex) || hex.length !== 66) throw new KeyError("the seed must be 32 bytes of hex (64 hex characters)");
  return sr25519PairFromSeed(hexToU8a(hex));
}

/** A mnemonic or a hex seed, whichever the text is. */
export function pairFromSecret(secret: string): Sr25519Pair {
  const trimmed = secret.trim();
  return /^(0x)?[0-9a-fA-F]{64}$/.test(trimmed) ? pairFromSeed(trimmed) : pairFromMnemonic(trimmed);
}

// schnorrkel's SecretKey::to_bytes keeps the scalar as is; @polkadot/util-crypto (like
// to_ed25519_bytes) keeps it multiplied by the cofactor 8: converting is a 3-bit shift.
function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

function bigIntToLittleEndian(value: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let rest = value;
  for (let i = 0; i < length; i++) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

export function schnorrkelToPolkadotSecret(secret: Uint8Array): Uint8Array {
  const scalar = littleEndianToBigInt(secret.subarray(0, 32));
  const key = bigIntToLittleEndian((scalar << 3n) & ((1n << 256n) - 1n), 32);
  const result = new Uint8Array(64);
  result.set(key);
  result.set(secret.subarray(32, 64), 32);
  return result;
}

export const hex = (bytes: Uint8Array) => u8aToHex(bytes);
