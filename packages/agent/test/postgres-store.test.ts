import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratePostgres, openPostgresStore } from "../src/store/postgres/postgres-store.ts";
import { describeStoreConformance } from "./store-conformance.ts";
import { request, startTestAgent } from "./support/agent-harness.ts";
import { startFakeOpenAi } from "./support/fake-openai.ts";

let database: Awaited<ReturnType<typeof pgTestDatabase>>;

beforeAll(async () => {
  database = await pgTestDatabase("agent_store", migratePostgres);
});

afterAll(async () => {
  await database?.drop();
});

async function emptied(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      "TRUNCATE agent_conversations, agent_messages, agent_playbook_entries, agent_playbook_operations RESTART IDENTITY",
    );
  } finally {
    await client.end();
  }
}

describeStoreConformance("PostgreSQL", async (limits) => {
  await emptied(database.url);
  return openPostgresStore(database.url, limits);
});

describe("the agent on PostgreSQL (DATABASE_URL=postgres://…)", () => {
  it("stores the conversation and the playbook in the database", async () => {
    await emptied(database.url);
    const fake = await startFakeOpenAi();
    try {
      await using agent = await startTestAgent({
        DATABASE_URL: database.url,
        LLM_PROVIDER: "openai",
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_MODEL: "fake-model",
      });
      expect(agent.agent.store.kind).toBe("postgres");
      fake.replies.push({ text: '{"immediate_response":"stored in postgres","notebook":"no update"}' });
      expect((await agent.post("/complete", request({ cid: "pg-1" }))).status).toBe(200);
      fake.replies.push({
        text: '[{"insight_type":"fact","key":"db","value":"Uses PostgreSQL","operation":"insert"}]',
      });
      expect((await agent.post("/human_feedback", request({ cid: "pg-1" }))).status).toBe(200);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const messages = await client.query("SELECT role, content FROM agent_messages ORDER BY id");
        expect(messages.rows.map((row) => row.role)).toEqual(["user", "assistant", "user", "assistant"]);
        expect(messages.rows[1]?.content).toBe("stored in postgres");
        const entries = await client.query("SELECT key, value FROM agent_playbook_entries WHERE is_active");
        expect(entries.rows).toEqual([{ key: "db", value: "Uses PostgreSQL" }]);
      } finally {
        await client.end();
      }
      const health = (await agent.call("GET", "/health", undefined, {})).body as { active_conversations: number };
      expect(health.active_conversations).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it("answers a request holding U+0000 (valid JSON) like SQLite does: 200, stored, and found again by its cid", async () => {
    await emptied(database.url);
    const fake = await startFakeOpenAi();
    try {
      await using agent = await startTestAgent({
        DATABASE_URL: database.url,
        LLM_PROVIDER: "openai",
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_MODEL: "fake-model",
      });
      fake.replies.push({ text: '{"immediate_response":"an answer with \\u0000 in it","notebook":"no update"}' });
      const body = request({ cid: "x\u0000y", input: [{ user_query: "what is \u0000?" }] });
      const answered = await agent.post("/complete", body);
      expect(answered.status, answered.text).toBe(200);
      expect(answered.body).toMatchObject({
        cid: "x\u0000y",
        output: { immediate_response: "an answer with \u0000 in it" },
      });

      const stored = await agent.call("GET", "/conversations/x%00y");
      expect(stored.status).toBe(200);
      expect((stored.body as { messages: { content: string }[] }).messages.map((m) => m.content)).toEqual([
        expect.stringContaining("what is \u0000?"),
        "an answer with \u0000 in it",
      ]);
      expect((await agent.call("GET", "/conversations/x%00z")).status).toBe(404);
      expect((await agent.call("DELETE", "/conversations/x%00z")).status).toBe(404);
      expect((await agent.call("GET", "/playbook/x%00y")).body).toEqual({
        cid: "x\u0000y",
        entry_count: 0,
        entries: [],
      });
      expect((await agent.call("DELETE", "/conversations/x%00y")).status).toBe(200);
      expect((await agent.call("GET", "/conversations/x%00y")).status).toBe(404);
    } finally {
      await fake.close();
    }
  });

  it("keeps rows written before the U+0000 escape reading back as written (migration 002)", async () => {
    await emptied(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // A database at migration 001 that already holds U+E000, then upgraded.
      await client.query("DELETE FROM agent_migrations WHERE version >= 2");
      const { rows } = await client.query(
        "INSERT INTO agent_conversations (cid, created_at, last_updated) VALUES ($1, now(), now()) RETURNING id",
        ["old\uE0000"],
      );
      await client.query(
        "INSERT INTO agent_messages (conversation_id, role, content, created_at) VALUES ($1, 'user', $2, now())",
        [rows[0]?.id, "icon \uE000 and \uE0000"],
      );
      await client.query(
        `INSERT INTO agent_playbook_entries (cid, insight_type, key, value, operation, source_feedback, confidence_score,
           tags, created_at, updated_at) VALUES ($1, 'fact', 'k', 'v\uE000', 'insert', 'f', 0.8, $2, now(), now())`,
        ["old\uE0000", JSON.stringify(["\uE000"])],
      );
    } finally {
      await client.end();
    }
    await migratePostgres(database.url);
    const store = await openPostgresStore(database.url, { maxMessages: 10, retentionDays: 7, maxPlaybookEntries: 50 });
    try {
      const detail = await store.conversation("old\uE0000", new Date());
      expect(detail?.messages.map((m) => m.content)).toEqual(["icon \uE000 and \uE0000"]);
      expect((await store.listConversations(10, new Date())).map((c) => c.cid)).toEqual(["old\uE0000"]);
      expect(await store.activePlaybook("old\uE0000")).toMatchObject([{ value: "v\uE000", tags: ["\uE000"] }]);
    } finally {
      await store.close();
    }
  });
});
