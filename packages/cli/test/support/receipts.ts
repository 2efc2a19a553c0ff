// Signed receipts as the coordinator makes them (RFC 8785 JSON, Ed25519, key id = SHA-256 of the
// public key), and a job result that carries them, for `pithead receipt verify`.
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import type { Receipt, SignedReceipt } from "@pithead/coordinator";
import { keyIdOf } from "@pithead/coordinator";
import { canonicalJson } from "@pithead/ledger";

export function receiptKeys() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("base64");
  const keyId = keyIdOf(raw);
  const signReceipt = (receipt: Receipt): SignedReceipt => ({
    receipt,
    signature: sign(null, Buffer.from(canonicalJson(receipt as never), "utf8"), privateKey).toString("base64"),
    key_id: keyId,
    algorithm: "Ed25519",
  });
  return { publicKey: raw, signReceipt };
}

/** A replicated job's result: two agreeing miners, each with its receipt. */
export function jobResult(signReceipt: (receipt: Receipt) => SignedReceipt) {
  const output = "defghijk";
  const outputSha = createHash("sha256").update(output).digest("hex");
  const jobId = "01a202e5-1f38-72d2-966a-a0639720a295";
  const receipt = (miner: string, seq: number): Receipt => ({
    receipt_id: `r-${miner}`,
    job_id: jobId,
    miner_id: miner,
    wallet: `${miner}-wallet`,
    client: "client-wallet",
    workload: "llm_gen",
    units: 8,
    unit_type: "tokens",
    reward: 99,
    output_sha: outputSha,
    started_at: "2025-06-01T10:00:00.000Z",
    completed_at: "2025-06-01T10:00:02.000Z",
    ledger_seq: seq,
  });
  const receipts = [signReceipt(receipt("miner-a", 7)), signReceipt(receipt("miner-b", 8))];
  return {
    job_id: jobId,
    output,
    output_encoding: "utf8",
    output_sha: outputSha,
    metrics: { tokens: 8 },
    receipt: receipts[0],
    receipts,
  };
}
