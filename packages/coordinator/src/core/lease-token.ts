// Lease tokens: 144 random bits, base64url. Cut from a buffer the CSPRNG fills 4 KiB at a time
// (each byte used once), as randomUUID() does: randomBytes(18) per lease cost a Buffer and a call
// into OpenSSL each, on the engine thread.
import { randomFillSync } from "node:crypto";

const TOKEN_BYTES = 18;
const pool = Buffer.alloc(TOKEN_BYTES * 227);
let offset = pool.length;

export function leaseToken(): string {
  if (offset + TOKEN_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString("base64url", offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return token;
}
