import { rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { openLedger } from "../src/index.ts";
import { tempDir, testSigner } from "./helpers.ts";
import { describeLedgerStore } from "./store-conformance.ts";

describeLedgerStore("sqlite", async () => {
  const dir = tempDir();
  return {
    open: () => openLedger({ store: "sqlite", path: `${dir.path}/ledger.db`, signer: testSigner() }),
    cleanup: async () => rmSync(dir.path, { recursive: true, force: true }),
    removeRecord: async (partition, seq) => {
      const db = new DatabaseSync(`${dir.path}/ledger.db`);
      db.prepare("DELETE FROM ledger_records WHERE partition = ? AND seq = ?").run(partition, seq);
      db.close();
    },
  };
});
