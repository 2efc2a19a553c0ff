import { keyIdOf, verifyReceipt } from "@pithead/coordinator";
import { describe, expect, it } from "vitest";
import { jobResult, receiptKeys } from "../../test/support/receipts.ts";
import { checkReceipts, NotAReceiptError } from "./receipt-check.ts";

const { publicKey, signReceipt } = receiptKeys();
const verify = {
  keyId: keyIdOf(publicKey),
  verify: (signed: Parameters<typeof verifyReceipt>[0]) => verifyReceipt(signed, publicKey),
};
const fields = (document: unknown) => checkReceipts(document, verify).problems.map((problem) => problem.field);

describe("what receipt verify checks in a job result", () => {
  it("every receipt in it, each once", () => {
    const check = checkReceipts(jobResult(signReceipt), verify);
    expect(check.valid).toBe(true);
    expect(check.receipts.map((entry) => [entry.field, entry.valid])).toEqual([
      ["receipts[0]", true],
      ["receipts[1]", true],
    ]);
  });

  it("finds an edited receipt anywhere in the list", () => {
    const result = jobResult(signReceipt);
    const edited = structuredClone(result);
    edited.receipts[1]!.receipt.reward = 1_000_000;
    expect(fields(edited)).toEqual(["receipts[1]"]);
    // `.receipt` must be one of `.receipts`, not a receipt of its own.
    const swapped = { ...result, receipt: { ...result.receipt, receipt: { ...result.receipt!.receipt, reward: 5 } } };
    expect(fields(swapped)).toEqual(["receipt", "receipt"]);
  });

  it("the result's own fields against the receipts: output_sha, job_id, output", () => {
    const result = jobResult(signReceipt);
    expect(fields({ ...result, output_sha: "0".repeat(64) })).toEqual(["output_sha"]);
    expect(fields({ ...result, job_id: "3f0c0b8e-8f3a-4c55-9d55-2d7a6c1f0a11" })).toEqual(["job_id"]);
    expect(fields({ ...result, output: "something else" })).toEqual(["output"]);
    expect(
      fields({ ...result, output: Buffer.from(result.output).toString("base64"), output_encoding: "base64" }),
    ).toEqual([]);
  });

  it("a receipt on its own, and says what is not one", () => {
    expect(checkReceipts(jobResult(signReceipt).receipts[0], verify).valid).toBe(true);
    expect(() => checkReceipts({ hello: 1 }, verify)).toThrow(NotAReceiptError);
    expect(() => checkReceipts({ ...jobResult(signReceipt), receipt: null, receipts: [] }, verify)).toThrow(
      /carries no receipt/,
    );
  });

  it("a refusal names the key checked against, and says so when the receipt names another key", () => {
    const edited = jobResult(signReceipt);
    edited.receipts[0]!.receipt.reward = 1;
    expect(checkReceipts(edited, verify).problems[0]?.message).toBe(
      `receipts[0] (receipt r-miner-a) does not verify against key ${verify.keyId}, the key it says signed it: it was altered after it was signed`,
    );
    const other = receiptKeys();
    const foreign = jobResult(other.signReceipt);
    const foreignKeyId = keyIdOf(other.publicKey);
    expect(checkReceipts(foreign, verify).problems[0]?.message).toBe(
      `receipts[0] (receipt r-miner-a) does not verify against key ${verify.keyId}: the receipt says it was signed by key ${foreignKeyId}, another key (another coordinator's, or one this coordinator no longer signs with)`,
    );
  });

  it("a signature that cannot be Ed25519, or another algorithm, is named as such, not as an edited receipt", () => {
    const garbled = jobResult(signReceipt).receipts[0]!;
    expect(checkReceipts({ ...garbled, signature: "abc" }, verify).problems[0]?.message).toBe(
      `receipt (receipt r-miner-a) does not verify against key ${verify.keyId}: its signature is not an Ed25519 signature (64 bytes in base64), so it was damaged or never made by a coordinator`,
    );
    expect(checkReceipts({ ...garbled, algorithm: "RSA" }, verify).problems[0]?.message).toBe(
      `receipt (receipt r-miner-a) does not verify against key ${verify.keyId}: its algorithm is "RSA", not "Ed25519"`,
    );
  });
});
