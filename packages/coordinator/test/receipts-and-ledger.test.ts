// A receipt checked the way an outsider would: RFC 8785 with the `canonicalize` package and
// Ed25519 with node:crypto, against the key the coordinator publishes (not our own code path).
// Then the job's ledger records, each with an inclusion proof against a signed checkpoint.
import { createHash, createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { verifyCheckpoint, verifyInclusion } from "@pithead/ledger";
import canonicalize from "canonicalize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SignedReceipt, verifyReceipt } from "../src/core/receipt.ts";
import { items, sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;
let jobId: string;
let clientKey: string;
let signed: SignedReceipt;
let publicKey: string;

function independentlyValid(receipt: SignedReceipt, rawKeyBase64: string): boolean {
  const raw = Buffer.from(rawKeyBase64, "base64");
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  const message = Buffer.from(canonicalize(receipt.receipt) ?? "", "utf8");
  return (
    receipt.key_id === createHash("sha256").update(raw).digest("hex") &&
    verify(null, message, key, Buffer.from(receipt.signature, "base64"))
  );
}

beforeAll(async () => {
  coordinator = await startTestCoordinator({ config: { feeBps: 250 } });
  const client = await coordinator.client(10_000);
  clientKey = client.key;
  const miner = await coordinator.miner("receipt-miner", {
    wallet: "miner_wallet_r",
    capabilities: { workloads: ["llm_gen"] },
  });
  const job = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload: "llm_gen", params: { prompt: "abc" }, reward: 1_000 },
  });
  jobId = String(job.body.id);
  await coordinator.call("GET", "/v1/miner/next?miner=receipt-miner", { key: miner.key });
  await coordinator.call("POST", "/v1/miner/proof", {
    key: miner.key,
    body: { id: jobId, output_sha: sha256("defg"), output: "defg", metrics: { tokens: 4, tokens_per_s: 40.5 } },
  });
  signed = (await coordinator.call("GET", `/v1/jobs/${jobId}/receipt`, { key: client.key }))
    .body as unknown as SignedReceipt;
  publicKey = String((await coordinator.call("GET", "/v1/keys/receipts")).body.public_key);
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

describe("receipts", () => {
  it("carries what the miner was paid and for what", () => {
    expect(signed.algorithm).toBe("Ed25519");
    expect(signed.receipt).toMatchObject({
      job_id: jobId,
      miner_id: "receipt-miner",
      wallet: "miner_wallet_r",
      workload: "llm_gen",
      units: 4,
      unit_type: "tokens",
      reward: 975,
      output_sha: sha256("defg"),
    });
    expect(Date.parse(signed.receipt.completed_at)).toBeGreaterThanOrEqual(Date.parse(signed.receipt.started_at));
  });

  it("verifies against the published key with an independent RFC 8785 + Ed25519 check", () => {
    expect(independentlyValid(signed, publicKey)).toBe(true);
    expect(verifyReceipt(signed, publicKey)).toBe(true);
  });

  it("fails both checks once any field is changed, or against another key", () => {
    const tampered = { ...signed, receipt: { ...signed.receipt, reward: signed.receipt.reward + 1 } };
    expect(independentlyValid(tampered, publicKey)).toBe(false);
    expect(verifyReceipt(tampered, publicKey)).toBe(false);
    const otherKey = generateKeyPairSync("ed25519")
      .publicKey.export({ format: "der", type: "spki" })
      .subarray(-32)
      .toString("base64");
    expect(verifyReceipt(signed, otherKey)).toBe(false);
    expect(verifyReceipt({ ...signed, key_id: "00".repeat(32) }, publicKey)).toBe(false);
  });
});

describe("the job's ledger records", () => {
  it("come with inclusion proofs against a checkpoint signed by the coordinator's ledger key", async () => {
    const reply = await coordinator.call("GET", `/v1/jobs/${jobId}/ledger`, { key: clientKey });
    expect(reply.status).toBe(200);
    const checkpoint = reply.body.checkpoint as unknown as { note: string; size: number; rootHash: string };
    expect(verifyCheckpoint(checkpoint.note, String(reply.body.verifier_key))).toBe(true);
    const records = items(reply.body.records);
    expect(records.map((entry) => String(entry.record?.type))).toEqual([
      "coordinator.job.submitted",
      "coordinator.lease.granted",
      "coordinator.proof.accepted",
      "coordinator.job.completed",
    ]);
    for (const entry of records) {
      const proof = entry.proof as unknown as Parameters<typeof verifyInclusion>[0];
      expect(proof.rootHash).toBe(checkpoint.rootHash);
      expect(verifyInclusion(proof)).toBe(true);
    }
    const proofRecord = records.find((entry) => Number(entry.record?.seq) === signed.receipt.ledger_seq);
    expect(proofRecord?.record?.body).toMatchObject({
      job_id: jobId,
      miner_id: "receipt-miner",
      output_sha: sha256("defg"),
    });
    const completed = records.at(-1)?.record?.body;
    expect(completed?.cites).toEqual([signed.receipt.ledger_seq]);
    expect(items(completed?.receipts)[0]?.signature).toBe(signed.signature);
    const postings = items(items(completed?.transfers)[0]?.postings).map((p) => [String(p.account), Number(p.amount)]);
    expect(postings).toEqual([
      ["@escrow", -1_000],
      ["miner_wallet_r", 975],
      ["@fee", 25],
    ]);
  });

  it("publishes the checkpoint without a key, and keeps whole records for admins", async () => {
    const checkpoint = await coordinator.call("GET", "/v1/ledger/checkpoint");
    expect(checkpoint.status).toBe(200);
    expect(String(checkpoint.body.note)).toContain("pithead.local/coordinator");
    expect((await coordinator.call("GET", "/v1/ledger/records")).status).toBe(401);
    expect((await coordinator.call("GET", "/v1/ledger/records", { key: clientKey })).status).toBe(403);
    const records = await coordinator.call("GET", "/v1/ledger/records?limit=5", { key: coordinator.adminKey });
    expect(items(records.body.records)).toHaveLength(5);
    const missing = await coordinator.call("GET", "/v1/ledger/records/999999", { key: coordinator.adminKey });
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe("LEDGER_NO_RECORD");
  });

  it("verifies end to end from the coordinator's own database", async () => {
    const report = await coordinator.running.ledger.verify("coordinator");
    expect(report.ok).toBe(true);
    expect(report.records).toBeGreaterThan(5);
  });
});
