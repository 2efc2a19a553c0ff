// What a proof carries and what the miner signs. The signed message is the RFC 8785 canonical
// JSON of {job_id, miner_id, output_sha} (UTF-8), signed with Ed25519; the signature and the
// public key travel base64 (the key as its raw 32 bytes). This is exactly what the
// coordinator's verifier (packages/coordinator core/proof-signature.ts) rebuilds and checks, and
// binding the job and miner ids means a signature cannot be replayed for another job or miner.

import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function proofMessage(fields: { job_id: string; miner_id: string; output_sha: string }): Buffer {
  const text = canonicalize({ job_id: fields.job_id, miner_id: fields.miner_id, output_sha: fields.output_sha });
  return Buffer.from(text as string, "utf8");
}

/** The test-only fault: a deterministic wrong output (the real one with a marker appended). */
export function corruptOutput(output: Uint8Array): Buffer {
  return Buffer.concat([output, Buffer.from("\n[corrupted by FAULT_CORRUPT_OUTPUT]", "utf8")]);
}
