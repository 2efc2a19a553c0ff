// A real evidence ledger for tests: SQLite (node:sqlite) or JSONL in a temporary directory,
// with a fresh Ed25519 checkpoint key, removed when the test is done.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Ledger, loadOrCreateSigner, openLedger } from "@pithead/ledger";

export interface TestLedger extends AsyncDisposable {
  ledger: Ledger;
  dir: string;
}

export async function openTestLedger(store: "sqlite" | "jsonl" = "sqlite"): Promise<TestLedger> {
  const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-"));
  const signer = loadOrCreateSigner(join(dir, "ledger.key"), "fleet.test");
  const ledger = await openLedger(
    store === "sqlite"
      ? { store, path: join(dir, "ledger.sqlite"), signer }
      : { store, dir: join(dir, "ledger"), signer },
  );
  return {
    ledger,
    dir,
    async [Symbol.asyncDispose]() {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
