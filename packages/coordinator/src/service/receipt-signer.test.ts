import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateReceiptSigner } from "./receipt-signer.ts";

describe("the receipt-signing key file", () => {
  it("is created once, mode 600, with no temporary file left beside it, and reused", () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-receipt-key-"));
    const path = join(dir, "receipt-signing.key");
    const first = loadOrCreateReceiptSigner(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["receipt-signing.key"]);
    expect(loadOrCreateReceiptSigner(path).keyId).toBe(first.keyId);
  });

  it("an empty key file (a first start cut short by an older version) names the file and what to do", () => {
    const path = join(mkdtempSync(join(tmpdir(), "pithead-receipt-key-")), "receipt-signing.key");
    writeFileSync(path, "", { mode: 0o600 });
    expect(() => loadOrCreateReceiptSigner(path)).toThrow(`${path} is empty`);
    expect(() => loadOrCreateReceiptSigner(path)).toThrow("delete it and start again");
  });
});
