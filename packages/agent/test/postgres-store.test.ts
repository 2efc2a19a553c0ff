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
});
