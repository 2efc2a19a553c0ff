import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Compares two secrets in constant time (for equal lengths; the length itself is not secret). */
export function timingSafeEqualString(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) {
    // Still do a comparison of equal cost so a length mismatch answers no faster than a mismatch.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** Keys are 256-bit random, so one SHA-256 is enough to store them (no password stretching needed). */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export interface GeneratedKey {
  /** Public identifier, safe to log and show in lists. */
  id: string;
  /** The secret, shown once to the user and never stored. */
  key: string;
  /** What is stored. */
  hash: string;
}

/** `ph_<role>_<id>_<secret>`: the id part lets logs and lists name a key without revealing it. */
export function generateApiKey(kind: string): GeneratedKey {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const key = `ph_${kind}_${id}_${secret}`;
  return { id, key, hash: hashSecret(key) };
}

/** The public id inside a key made by generateApiKey, or undefined for foreign keys. */
export function apiKeyId(key: string): string | undefined {
  const match = /^ph_[a-z]+_([0-9a-f]{12})_[A-Za-z0-9_-]+$/.exec(key);
  return match?.[1];
}
