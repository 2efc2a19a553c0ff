import { openLedger } from "@pithead/ledger";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { migratePostgresStore, openPostgresStore } from "../src/store/postgres/store.ts";
import { describeStoreContract } from "./store-conformance.ts";

describeStoreContract("postgres", async (clock) => {
  const db = await pgTestDatabase("coordinator", migratePostgresStore);
  const store = await openPostgresStore({ url: db.url, clock });
  return {
    store,
    async verifyLedger() {
      const ledger = await openLedger({ store: "postgres", url: db.url });
      try {
        const report = await ledger.verify(store.ledgerPartition);
        return { ok: report.ok, records: report.records };
      } finally {
        await ledger.close();
      }
    },
    async close() {
      await store.close();
      await db.drop();
    },
  };
});
