// SHA-256 through node:crypto's one-shot `hash`, which skips the Hash object that createHash builds
// (a measurable cost when hashing millions of ~300-byte records).
import { hash } from "node:crypto";

export function sha256(data: Uint8Array | string): Buffer {
  return hash("sha256", data, "buffer");
}

/** 64 zero hex digits: the `prev` of record 0. */
export const ZERO_HASH_HEX = "0".repeat(64);

export function isHex64(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value);
}
