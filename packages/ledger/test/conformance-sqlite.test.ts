import { rmSync } from "node:fs";
import { openLedger } from "../src/index.ts";
import { tempDir, testSigner } from "./helpers.ts";
import { describeLedgerStore } from "./store-conformance.ts";

describeLedgerStore("sqlite", async () => {
  const dir = tempDir();
  return {
    open: () => openLedger({ store: "sqlite", path: `${dir.path}/ledger.db`, signer: testSigner() }),
    cleanup: async () => rmSync(dir.path, { recursive: true, force: true }),
  };
});
