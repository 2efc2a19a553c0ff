// pithead up refuses to start when the ledgers it would write, or the receipts in the coordinator's,
// are signed by keys its --data lacks.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyIdOf } from "@pithead/coordinator";
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

/** Writes a new receipt-signing key into `dataDir`'s coordinator; returns the key id it publishes. */
function newReceiptKey(dataDir: string): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  writeFileSync(
    join(dataDir, "coordinator", "receipt-signing.key"),
    privateKey.export({ format: "pem", type: "pkcs8" }),
    {
      mode: 0o600,
    },
  );
  return keyIdOf(createPublicKey(privateKey));
}

/** A job completed in the coordinator's ledger, with a receipt signed by key `keyId`. */
async function completedJob(dataDir: string, keyId: string): Promise<void> {
  const ledger = stackLedgers(dataDir, undefined, "default")[0]!;
  const opened = await openLedger({ ...ledger.store, signer: loadOrCreateSigner(ledger.keyFile, ledger.origin) });
  await opened.append(ledger.partition, "coordinator.job.completed", { job_id: "j1", receipts: [{ key_id: keyId }] });
  await opened.checkpoint(ledger.partition);
  await opened.close();
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

  it("stop the start when the receipt-signing key is not the one that signed the coordinator's receipts", async () => {
    const dataDir = await ranOnce("other-receipt-key");
    const signedWith = newReceiptKey(dataDir);
    await completedJob(dataDir, signedWith);
    await expect(checkStackLedgerKeys(dataDir, undefined, "default")).resolves.toBeUndefined();
    const replaced = newReceiptKey(dataDir);
    await expect(checkStackLedgerKeys(dataDir, undefined, "default")).rejects.toThrow(
      `the coordinator's receipts are signed by key id ${signedWith}, and ${join(dataDir, "coordinator", "receipt-signing.key")} holds key id ${replaced}: the keys that signed these ledgers are missing`,
    );
  });
});
