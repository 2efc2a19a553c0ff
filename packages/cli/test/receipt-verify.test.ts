// `pithead receipt verify <job-result.json>` checks the whole file: every receipt, and the result's
// fields a receipt covers. Before, an edit anywhere but `.receipt` still printed "valid".
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyIdOf } from "@pithead/coordinator";
import { afterAll, describe, expect, it } from "vitest";
import { jobResult, receiptKeys } from "./support/receipts.ts";
import { pithead } from "./support/run-pithead.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-receipt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { publicKey, signReceipt } = receiptKeys();

async function verify(document: unknown, ...flags: string[]) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  return pithead(["receipt", "verify", file, "--public-key", publicKey, ...flags]);
}

describe("pithead receipt verify on a job result", () => {
  it("says valid for each receipt of an untouched result", async () => {
    const ran = await verify(jobResult(signReceipt));
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^valid: receipt r-miner-a — job .* paid 99 to miner-a-wallet/),
      expect.stringMatching(/^valid: receipt r-miner-b — job .* paid 99 to miner-b-wallet/),
    ]);
  });

  it("is INVALID when a receipt other than the first was edited", async () => {
    const edited = jobResult(signReceipt);
    edited.receipts[1]!.receipt.reward = 1_000_000;
    const ran = await verify(edited);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^INVALID: receipts\[1\] \(receipt r-miner-b\) does not verify/m);
  });

  it("is INVALID naming output_sha when the result's output_sha was edited", async () => {
    const ran = await verify({ ...jobResult(signReceipt), output_sha: "0".repeat(64) }, "--json");
    expect(ran.code).toBe(1);
    const json = JSON.parse(ran.stdout);
    expect(json.valid).toBe(false);
    expect(json.problems.map((problem: { field: string }) => problem.field)).toEqual(["output_sha"]);
  });

  it("against another key: names the key it checked (its id), not the key id inside the receipt, and says the two differ", async () => {
    const other = receiptKeys();
    const ran = await verify(jobResult(other.signReceipt));
    expect(ran.code).toBe(1);
    const checked = keyIdOf(publicKey);
    const claimed = keyIdOf(other.publicKey);
    expect(ran.stdout).toMatch(
      new RegExp(
        `^INVALID: receipts\\[0\\] \\(receipt r-miner-a\\) does not verify against key ${checked}: the receipt says it was signed by key ${claimed}, another key`,
        "m",
      ),
    );
    const json = JSON.parse((await verify(jobResult(other.signReceipt), "--json")).stdout);
    expect(json.public_key_id).toBe(checked);
  });
});
