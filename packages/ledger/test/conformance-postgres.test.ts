import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { openLedger } from "../src/index.ts";
import { testSigner } from "./helpers.ts";
import { migrateUrl } from "./pg-helpers.ts";
import { describeLedgerStore } from "./store-conformance.ts";

describeLedgerStore("postgres", async () => {
  const db = await pgTestDatabase("ledger", migrateUrl);
  return {
    open: () => openLedger({ store: "postgres", url: db.url, signer: testSigner() }),
    cleanup: () => db.drop(),
    removeRecord: async (partition, seq) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query("DELETE FROM ledger_records WHERE partition = $1 AND seq = $2", [partition, seq]);
      } finally {
        await client.end();
      }
    },
  };
});
