// pithead up refuses to start when the ledgers it would write are signed by keys its --data lacks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { afterAll, describe, expect, it } from "vitest";
import { checkStackLedgerKeys, stackLedgers } from "./ledger-keys-check.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-up-ledger-keys-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A data directory as `pithead up` (SQLite) leaves it: both ledgers checkpointed with its keys. */
async function ranOnce(name: string): Promise<string> {
  const dataDir = join(root, name);
  for (const ledger of stackLedgers(dataDir, undefined, "default")) {
    const opened = await openLedger({ ...ledger.store, signer: loadOrCreateSigner(ledger.keyFile, ledger.origin) });
    await opened.append(ledger.partition, "ops.note", { by: "test" });
    await opened.checkpoint(ledger.partition);
    await opened.close();
  }
  return dataDir;
}

describe("the ledger keys of pithead up's --data", () => {
  it("pass on a fresh data directory and on one whose keys signed its ledgers", async () => {
    await expect(checkStackLedgerKeys(join(root, "fresh"), undefined, "default")).resolves.toBeUndefined();
    await expect(checkStackLedgerKeys(await ranOnce("same"), undefined, "default")).resolves.toBeUndefined();
  });

  it("stop the start when a key that signed a ledger is gone, naming the ledger and the file", async () => {
    const dataDir = await ranOnce("lost-key");
    rmSync(join(dataDir, "coordinator", "ledger.key"));
    await expect(checkStackLedgerKeys(dataDir, undefined, "default")).rejects.toThrow(
      new RegExp(
        `^the coordinator's ledger is signed by pithead\\.local \\(key id [0-9a-f]{8}\\), and ${join(dataDir, "coordinator", "ledger.key")} does not exist: the keys that signed these ledgers are missing`,
      ),
    );
  });
});
