import { openLedger } from "@pithead/ledger";
import { openSqliteStore } from "../src/store/sqlite/store.ts";
import { describeStoreContract } from "./store-conformance.ts";
import { tempDir } from "./support/temp-dir.ts";

describeStoreContract("sqlite", async (clock) => {
  const dir = tempDir();
  const path = `${dir.path}/coordinator.db`;
  const store = openSqliteStore({ path, clock });
  return {
    store,
    async verifyLedger() {
      const ledger = await openLedger({ store: "sqlite", path });
      try {
        const report = await ledger.verify(store.ledgerPartition);
        return { ok: report.ok, records: report.records };
      } finally {
        await ledger.close();
      }
    },
    async close() {
      await store.close();
      dir[Symbol.dispose]();
    },
  };
});
