import { rmSync } from "node:fs";
import { openLedger } from "../src/index.ts";
import { tempDir, testSigner } from "./helpers.ts";
import { describeLedgerStore } from "./store-conformance.ts";

describeLedgerStore("jsonl", async () => {
  const dir = tempDir();
  return {
    open: () => openLedger({ store: "jsonl", dir: dir.path, signer: testSigner() }),
    cleanup: async () => rmSync(dir.path, { recursive: true, force: true }),
  };
});
