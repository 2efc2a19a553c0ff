// What a miner signs with its Ed25519 key when it proves a job: the canonical JSON of the job id,
// its miner id and the output hash, so a signature cannot be replayed for another job or miner.
import { verify } from "node:crypto";
import { canonicalJson } from "./canonical.ts";
import { publicKeyObject } from "./receipt.ts";

export function proofMessage(proof: { job_id: string; miner_id: string; output_sha: string }): Buffer {
  return Buffer.from(
    canonicalJson({ job_id: proof.job_id, miner_id: proof.miner_id, output_sha: proof.output_sha }),
    "utf8",
  );
}

/** Checks a base64 Ed25519 proof signature against the miner's base64 public key; never throws. */
export function verifyProofSignature(
  proof: { job_id: string; miner_id: string; output_sha: string },
  signature: string,
  publicKey: string,
): boolean {
  try {
    const bytes = Buffer.from(signature, "base64");
    if (bytes.length !== 64) return false;
    return verify(null, proofMessage(proof), publicKeyObject(publicKey), bytes);
  } catch {
    return false;
  }
}
