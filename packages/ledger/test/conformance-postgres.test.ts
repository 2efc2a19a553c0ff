import { pgTestDatabase } from "@pithead/testkit/vitest";
import { openLedger } from "../src/index.ts";
import { testSigner } from "./helpers.ts";
import { migrateUrl } from "./pg-helpers.ts";
import { describeLedgerStore } from "./store-conformance.ts";

describeLedgerStore("postgres", async () => {
  const db = await pgTestDatabase("ledger", migrateUrl);
  return {
    open: () => openLedger({ store: "postgres", url: db.url, signer: testSigner() }),
    cleanup: () => db.drop(),
  };
});
