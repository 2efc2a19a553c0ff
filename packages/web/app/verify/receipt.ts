// The coordinator's signed receipt, checked in the browser: RFC 8785 canonical JSON of the
// receipt, Ed25519, against the key the coordinator publishes (never a key carried inside the
// receipt), whose id is SHA-256 of the raw public key. With the job's output at hand, the output's
// SHA-256 must be the one the receipt pays for.

import { bytesFromBase64, ed25519Verify, hexOf, sha256, utf8 } from "./bytes.ts";
import { canonicalJson } from "./canonical.ts";
import type { Step } from "./inclusion.ts";

export interface SignedReceiptWire {
  receipt: Record<string, unknown> & { output_sha?: unknown; job_id?: unknown };
  signature: string;
  key_id: string;
  algorithm: string;
}

export interface PublishedKey {
  key_id: string;
  /** base64 of the raw 32-byte Ed25519 public key. */
  public_key: string;
}

export interface ReceiptCheck {
  ok: boolean;
  steps: Step[];
}

export async function checkReceipt(
  signed: SignedReceiptWire,
  published: PublishedKey,
  output?: { bytes: Uint8Array; jobId: string },
): Promise<ReceiptCheck> {
  const steps: Step[] = [];
  const add = (label: string, ok: boolean, detail: string) => steps.push({ label, ok, detail });
  const publicKey = bytesFromBase64(published.public_key);
  const keyId = publicKey ? hexOf(await sha256(publicKey)) : "";
  add(
    "Published key",
    publicKey?.length === 32 && keyId === published.key_id,
    publicKey?.length === 32
      ? `the coordinator's Ed25519 key, id ${keyId.slice(0, 16)}…`
      : "the coordinator publishes no valid Ed25519 key",
  );
  add(
    "Signed by that key",
    signed.algorithm === "Ed25519" && signed.key_id === keyId,
    `the receipt names key ${String(signed.key_id).slice(0, 16)}… (${signed.algorithm})`,
  );
  const signature = bytesFromBase64(signed.signature);
  let valid = false;
  try {
    valid =
      !!publicKey && !!signature && (await ed25519Verify(publicKey, signature, utf8(canonicalJson(signed.receipt))));
  } catch {
    valid = false;
  }
  add(
    "Signature",
    valid,
    valid ? "the Ed25519 signature over the canonical receipt is valid" : "the signature does not match the receipt",
  );
  if (output) {
    const outputSha = hexOf(await sha256(output.bytes));
    add(
      "Output matches",
      outputSha === signed.receipt.output_sha && signed.receipt.job_id === output.jobId,
      `SHA-256 of the output is ${outputSha.slice(0, 16)}…, the receipt pays for ${String(signed.receipt.output_sha).slice(0, 16)}…`,
    );
  }
  return { ok: steps.every((step) => step.ok), steps };
}

/** The output's bytes as the coordinator sent them (UTF-8 text or base64). */
export function outputBytes(output: string, encoding: "utf8" | "base64"): Uint8Array | undefined {
  return encoding === "base64" ? bytesFromBase64(output) : utf8(output);
}
