import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { describeStoreConformance } from "./store-conformance.ts";

describeStoreConformance("SQLite (in memory)", async (limits) => openSqliteStore(":memory:", limits));

describe("SQLite store on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "pithead-agent-sqlite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const limits = { maxMessages: 10, retentionDays: 7, maxPlaybookEntries: 50 };

  it("creates the folder, keeps data across reopening, and migrates once", async () => {
    const file = join(dir, "nested", "miner_api.db");
    const first = openSqliteStore(file, limits);
    await first.recordExchange("c1", [{ role: "user", content: "hello" }], new Date());
    await first.close();
    const second = openSqliteStore(file, limits);
    expect((await second.conversation("c1", new Date()))?.message_count).toBe(1);
    await second.close();
    const db = new DatabaseSync(file);
    const versions = db.prepare("SELECT version, name FROM agent_migrations").all();
    db.close();
    expect(versions).toEqual([{ version: 1, name: "conversations_and_playbook" }]);
  });

  it("keeps a conversation's newest inactive playbook entries, as many as the playbook may hold", async () => {
    const file = join(dir, "inactive.db");
    const store = openSqliteStore(file, { ...limits, maxPlaybookEntries: 3 });
    const insight = (key: string, operation: "insert" | "delete") =>
      ({ insight_type: "fact", key, value: "v", operation }) as const;
    for (let n = 0; n < 6; n++) {
      await store.applyInsights("c1", [insight(`k${n}`, "insert"), insight(`k${n}`, "delete")], "f", new Date());
    }
    await store.close();
    const db = new DatabaseSync(file);
    const rows = db.prepare("SELECT key FROM agent_playbook_entries WHERE is_active = 0 ORDER BY id").all();
    db.close();
    expect(rows.map((row) => row.key)).toEqual(["k3", "k4", "k5"]);
  });
});
