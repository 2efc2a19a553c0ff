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

// Before, every failure exited 1: a script could not tell a forged receipt from a coordinator that
// was down or a file that was not there.
describe("pithead receipt verify exit codes: 1 invalid, 2 command line wrong, 3 could not run", () => {
  it("a coordinator it cannot reach, a missing file, or a file that is no receipt is 3", async () => {
    const result = join(dir, "result.json");
    writeFileSync(result, JSON.stringify(jobResult(signReceipt)));
    const notAReceipt = join(dir, "not-a-receipt.json");
    writeFileSync(notAReceipt, JSON.stringify({ hello: 1 }));
    const [unreachable, missing, other] = await Promise.all([
      pithead(["receipt", "verify", result, "--url", "http://127.0.0.1:1"]),
      pithead(["receipt", "verify", join(dir, "nope.json"), "--public-key", publicKey]),
      pithead(["receipt", "verify", notAReceipt, "--public-key", publicKey]),
    ]);
    expect([unreachable.code, missing.code, other.code]).toEqual([3, 3, 3]);
    expect(unreachable.stderr).toMatch(/^error: cannot reach the coordinator at http:\/\/127\.0\.0\.1:1/);
    expect(missing.stderr).toMatch(/^error: cannot read a receipt from .*nope\.json: ENOENT/);
    expect(other.stderr).toMatch(/^error: .*not-a-receipt\.json is not a signed receipt/);
  });

  it("a job result whose receipts were stripped or broken is INVALID (1), not 3", async () => {
    const stripped = { ...jobResult(signReceipt), receipt: null, receipts: [] };
    const broken = jobResult(signReceipt) as { receipts: unknown[] };
    broken.receipts[1] = { receipt: "edited" };
    const [none, bad] = await Promise.all([verify(stripped), verify(broken)]);
    expect([none.code, bad.code]).toEqual([1, 1]);
    expect(none.stderr).toMatch(/is INVALID: the job result carries no receipt/);
    expect(bad.stderr).toMatch(/is INVALID: receipts\[1\] is not a signed receipt/);
  });

  it("a --public-key that cannot be read or is not a key is 2, and --help says what each code means", async () => {
    const junk = join(dir, "junk.pem");
    writeFileSync(junk, "not a key\n");
    const [unreadable, notAKey] = await Promise.all([
      verify(jobResult(signReceipt), "--public-key", join(dir, "no-such.pem")),
      verify(jobResult(signReceipt), "--public-key", junk),
    ]);
    expect([unreadable.code, notAKey.code]).toEqual([2, 2]);
    const help = await pithead(["receipt", "verify", "--help"]);
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      "Exit codes: 0 every receipt valid; 1 INVALID (a receipt or the result's job_id, output_sha or output does not verify",
    );
    expect(help.stdout.replace(/\s+/g, " ")).toMatch(/2 the command line is wrong .* 3 the command could not run/);
  });
});
