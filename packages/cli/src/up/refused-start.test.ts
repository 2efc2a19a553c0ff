// A start that `up` refuses up front (the database's ledgers signed by another --data's keys)
// leaves nothing behind: no keys.json, no logs/, not even the --data folder it named.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { StackStartError, startStack } from "./start-stack.ts";
import { parseUpOptions } from "./up-options.ts";

vi.mock("./ledger-keys-check.ts", () => ({
  checkStackLedgerKeys: async () => {
    throw new Error("this database belongs to another data directory");
  },
}));

const root = mkdtempSync(join(tmpdir(), "up-refused-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet = () => ({ update() {}, succeed() {}, fail() {} });

describe("a refused pithead up", () => {
  it("creates nothing in a new --data", async () => {
    const dataDir = join(root, "new");
    await expect(startStack(parseUpOptions({ data: dataDir }), quiet)).rejects.toThrow(StackStartError);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("leaves an existing --data as it was", async () => {
    const dataDir = join(root, "existing");
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, "notes.txt"), "mine\n");
    await expect(startStack(parseUpOptions({ data: dataDir }), quiet)).rejects.toThrow(
      "this database belongs to another data directory",
    );
    expect(readdirSync(dataDir)).toEqual(["notes.txt"]);
  });
});
