// Conversation history and the playbook through the API: stored, capped, fed back, listed,
// deleted; /human_feedback turning a valid insight list into playbook entries and an invalid
// answer into nothing. The upstream model is an OpenAI-compatible server in the test.

import { describe, expect, it } from "vitest";
import { request, startTestAgent, type TestAgent } from "./support/agent-harness.ts";
import { useAgentWithFakeModel } from "./support/agent-with-fake-model.ts";
import type { FakeOpenAi } from "./support/fake-openai.ts";

let fake: FakeOpenAi;
let agent: TestAgent;
let cidCounter = 0;
const freshCid = () => `history-${++cidCounter}`;

useAgentWithFakeModel({ MAX_CONVERSATION_MESSAGES: "4", SMART_HISTORY_COUNT: "3" }, (startedFake, startedAgent) => {
  fake = startedFake;
  agent = startedAgent;
});

const reply = (text: string) =>
  fake.replies.push({ text: JSON.stringify({ immediate_response: text, notebook: "no update" }) });

async function complete(cid: string, query: string, extra: Record<string, unknown> = {}) {
  const response = await agent.post(
    "/complete",
    request({ cid, task: "Chat", input: [{ user_query: query }], ...extra }),
  );
  expect(response.status, response.text).toBe(200);
}

interface Conversation {
  cid: string;
  message_count: number;
  messages: { role: string; content: string; timestamp: string }[];
  created_at: string;
  last_activity: string;
}

describe("conversation history", () => {
  it("stores each exchange and feeds the most recent messages back to the model", async () => {
    const cid = freshCid();
    reply("first answer");
    await complete(cid, "first question");
    reply("second answer");
    await complete(cid, "second question");

    const conversation = (await agent.call("GET", `/conversations/${cid}`)).body as Conversation;
    expect(conversation.cid).toBe(cid);
    expect(conversation.message_count).toBe(4);
    expect(conversation.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "Task: Chat\nQuery 1: first question"],
      ["assistant", "first answer"],
      ["user", "Task: Chat\nQuery 1: second question"],
      ["assistant", "second answer"],
    ]);
    expect(Date.parse(conversation.messages[0]?.timestamp ?? "")).not.toBeNaN();

    // The second call saw the first exchange between its system prompt and its question.
    expect(fake.calls[1]?.messages.slice(1, 3)).toEqual([
      { role: "user", content: "Task: Chat\nQuery 1: first question" },
      { role: "assistant", content: "first answer" },
    ]);
  });

  it("keeps MAX_CONVERSATION_MESSAGES and sends SMART_HISTORY_COUNT of them, from the first question on", async () => {
    const cid = freshCid();
    for (const n of [1, 2, 3]) {
      reply(`answer ${n}`);
      await complete(cid, `question ${n}`);
    }
    const conversation = (await agent.call("GET", `/conversations/${cid}`)).body as Conversation;
    expect(conversation.messages.map((m) => m.content)).toEqual([
      "Task: Chat\nQuery 1: question 2",
      "answer 2",
      "Task: Chat\nQuery 1: question 3",
      "answer 3",
    ]);
    reply("answer 4");
    await complete(cid, "question 4");
    const sent = fake.calls.at(-1)?.messages ?? [];
    // The 3 newest stored messages begin with an answer, which strict chat templates (Mistral,
    // Gemma) refuse after the system prompt: what is sent begins at the question after it.
    expect(sent.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(sent.slice(1, 3).map((m) => m.content)).toEqual(["Task: Chat\nQuery 1: question 3", "answer 3"]);
    expect(sent[3]?.content).toMatch(/^Task: Chat\n\nInput:\nQuery 1: question 4\n/);
  });

  it("cuts an answer of emoji at 50,000 whole characters, stores it intact, and takes it back as previous_outputs", async () => {
    const cid = freshCid();
    reply("\u{1F600}".repeat(60_000));
    const response = await agent.post("/complete", request({ cid, task: "Chat", input: [{ user_query: "smile" }] }));
    expect(response.status).toBe(200);
    const output = (response.body as { output: { immediate_response: string; notebook: string } }).output;
    expect([...output.immediate_response]).toHaveLength(50_000);
    expect(output.immediate_response.isWellFormed()).toBe(true);
    const stored = ((await agent.call("GET", `/conversations/${cid}`)).body as Conversation).messages;
    expect(stored[1]?.content).toBe(output.immediate_response);
    reply("refined");
    const refine = await agent.post(
      "/refine",
      request({ cid, task: "Chat", input: [{ user_query: "again" }], previous_outputs: [response.body] }),
    );
    expect(refine.status, refine.text).toBe(200);
  });

  it("leaves the history out when use_conversation_history is false, and still records the exchange", async () => {
    const cid = freshCid();
    reply("a");
    await complete(cid, "one");
    reply("b");
    await complete(cid, "two", { use_conversation_history: false });
    expect(fake.calls.at(-1)?.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(((await agent.call("GET", `/conversations/${cid}`)).body as Conversation).message_count).toBe(4);
  });

  it("lists conversations newest first with live message counts and update times (reference bug)", async () => {
    const older = freshCid();
    const newer = freshCid();
    reply("x");
    await complete(older, "hello");
    reply("y");
    await complete(newer, "hello");
    reply("z");
    await complete(older, "again");
    const list = (await agent.call("GET", "/conversations")).body as {
      total_conversations: number;
      conversations: { cid: string; messages: number; created_at: string; last_updated: string }[];
    };
    const index = (cid: string) => list.conversations.findIndex((c) => c.cid === cid);
    expect(index(older)).toBeLessThan(index(newer));
    const olderRow = list.conversations[index(older)];
    expect(olderRow?.messages).toBe(4);
    expect(Date.parse(olderRow?.last_updated ?? "")).toBeGreaterThan(Date.parse(olderRow?.created_at ?? ""));
    expect(list.total_conversations).toBeGreaterThanOrEqual(2);
  });

  it("answers 404 for an unknown conversation without creating it (reference bug)", async () => {
    const before = ((await agent.call("GET", "/conversations")).body as { total_conversations: number })
      .total_conversations;
    const response = await agent.call("GET", "/conversations/never-seen");
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ detail: "Conversation never-seen not found" });
    const after = ((await agent.call("GET", "/conversations")).body as { total_conversations: number })
      .total_conversations;
    expect(after).toBe(before);
  });

  it("deletes a conversation with its playbook, then answers 404", async () => {
    const cid = freshCid();
    fake.replies.push({
      text: JSON.stringify([{ insight_type: "fact", key: "name", value: "User is Ada", operation: "insert" }]),
    });
    expect((await agent.post("/human_feedback", request({ cid, input: [{ user_query: "I am Ada" }] }))).status).toBe(
      200,
    );
    expect(((await agent.call("GET", `/playbook/${cid}`)).body as { entry_count: number }).entry_count).toBe(1);

    const deleted = await agent.call("DELETE", `/conversations/${cid}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, message: `Conversation ${cid} deleted successfully`, cid });
    expect((await agent.call("GET", `/conversations/${cid}`)).status).toBe(404);
    expect(((await agent.call("GET", `/playbook/${cid}`)).body as { entry_count: number }).entry_count).toBe(0);
    const again = await agent.call("DELETE", `/conversations/${cid}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: `Conversation ${cid} not found` });
  });
});

describe("the empty cid (allowed by ComponentInput)", () => {
  it("is stored, listed, read at /conversations/, /playbook/ and /playbook//context, and deleted", async () => {
    reply("to the empty cid");
    expect((await agent.post("/complete", request({ cid: "" }))).status).toBe(200);
    const list = (await agent.call("GET", "/conversations")).body as { conversations: { cid: string }[] };
    expect(list.conversations.map((c) => c.cid)).toContain("");

    const read = await agent.call("GET", "/conversations/");
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ cid: "", message_count: 2 });
    expect((read.body as { messages: { content: string }[] }).messages[1]?.content).toBe("to the empty cid");
    expect((await agent.call("GET", "/playbook/")).body).toEqual({ cid: "", entry_count: 0, entries: [] });
    expect((await agent.call("GET", "/playbook//context")).body).toMatchObject({ cid: "", entry_count: 0 });

    const deleted = await agent.call("DELETE", "/conversations/");
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, message: "Conversation  deleted successfully", cid: "" });
    expect((await agent.call("GET", "/conversations/")).status).toBe(404);
  });
});

describe("/human_feedback and the playbook", () => {
  it("answers an empty playbook with the reference's text", async () => {
    expect((await agent.call("GET", "/playbook/nobody")).body).toEqual({ cid: "nobody", entry_count: 0, entries: [] });
    expect((await agent.call("GET", "/playbook/nobody/context")).body).toEqual({
      cid: "nobody",
      entry_count: 0,
      formatted_context: "No playbook entries found for this conversation.",
      entries: [],
    });
  });

  const insights = JSON.stringify([
    {
      insight_type: "preference",
      key: "response_style",
      value: "Prefers concise answers with code examples",
      operation: "insert",
      confidence_score: 0.9,
      tags: ["communication"],
    },
    { insight_type: "fact", key: "language", value: "Writes Python", operation: "insert" },
    { insight_type: "nonsense", key: "bad", value: "dropped: unknown type", operation: "insert" },
  ]);

  it("applies a valid insight list, reports the real entry count, and the playbook shapes later prompts", async () => {
    const cid = freshCid();
    fake.replies.push({ text: `\`\`\`json\n${insights}\n\`\`\`` });
    const response = await agent.post(
      "/human_feedback",
      request({ cid, task: "Feedback", input: [{ user_query: "Keep it short and show code." }] }),
    );
    expect(response.status).toBe(200);
    const output = (response.body as { output: { immediate_response: string; notebook: string } }).output;
    expect(output.immediate_response).toContain("➕ **Preference** (insert)\n   Key: `response_style`");
    expect(output.immediate_response).toContain("Confidence: 90%");
    expect(output.immediate_response).toContain("Your playbook now has 2 active entries.");
    const notebook = JSON.parse(output.notebook);
    expect(notebook).toMatchObject({
      feedback: "Keep it short and show code.",
      insights_extracted: 2,
      entries_modified: 2,
    });

    const call = fake.calls.at(-1);
    expect(call?.temperature).toBe(0.3);
    expect(call?.messages).toHaveLength(1);
    expect(call?.messages[0]?.content).toContain("NEW FEEDBACK:\nKeep it short and show code.");
    expect(call?.messages[0]?.content).toContain("CURRENT PLAYBOOK (0/50 entries):\n  (empty - no entries yet)");

    const playbook = (await agent.call("GET", `/playbook/${cid}`)).body as {
      entry_count: number;
      entries: { key: string; confidence_score: number; version: number; is_active: boolean; tags: string[] }[];
    };
    expect(playbook.entry_count).toBe(2);
    expect(playbook.entries.map((e) => [e.key, e.confidence_score, e.version, e.is_active])).toEqual([
      ["response_style", 0.9, 1, true],
      ["language", 0.8, 1, true],
    ]);

    const context = (await agent.call("GET", `/playbook/${cid}/context`)).body as { formatted_context: string };
    expect(context.formatted_context).toBe(
      "=== USER'S PLAYBOOK (Knowledge Base) ===\n\n## PREFERENCE:\n  • response_style: Prefers concise answers with code examples\n" +
        "    Tags: communication\n\n## FACT:\n  • language: Writes Python\n\n=== END PLAYBOOK ===",
    );

    reply("short answer");
    await complete(cid, "How do I sort a list?");
    const system = fake.calls.at(-1)?.messages[0]?.content ?? "";
    expect(system).toContain(`User preferences and context:\n\n\n${context.formatted_context}`);
    reply("no playbook");
    await complete(cid, "And reverse it?", { use_playbook: false });
    expect(fake.calls.at(-1)?.messages[0]?.content).not.toContain("PLAYBOOK");
  });

  it("updates and deletes by key, versioning updates", async () => {
    const cid = freshCid();
    fake.replies.push({ text: insights });
    await agent.post("/human_feedback", request({ cid, input: [{ user_query: "first" }] }));
    fake.replies.push({
      text: JSON.stringify([
        { insight_type: "preference", key: "response_style", value: "Prefers long answers", operation: "update" },
        { insight_type: "fact", key: "language", value: "", operation: "delete" },
      ]),
    });
    const response = await agent.post("/human_feedback", request({ cid, input: [{ user_query: "second" }] }));
    expect((response.body as { output: { immediate_response: string } }).output.immediate_response).toContain(
      "Your playbook now has 1 active entries.",
    );
    const playbook = (await agent.call("GET", `/playbook/${cid}`)).body as {
      entries: { key: string; value: string; version: number; operation: string }[];
    };
    expect(playbook.entries).toHaveLength(1);
    expect(playbook.entries[0]).toMatchObject({
      key: "response_style",
      value: "Prefers long answers",
      version: 2,
      operation: "update",
    });
    // The second extraction saw the playbook as it was.
    expect(fake.calls.at(-1)?.messages[0]?.content).toContain(
      "  [response_style] (preference): Prefers concise answers",
    );
  });

  it.each([
    ["prose", "I could not find any insights, sorry."],
    ["an object instead of a list", '{"insight_type": "fact", "key": "k", "value": "v", "operation": "insert"}'],
    [
      "a list of invalid items",
      '[{"key": "k"}, {"insight_type": "fact", "key": "k", "value": "v", "operation": "merge"}]',
    ],
  ])("changes nothing when the model's answer is %s", async (_label, text) => {
    const cid = freshCid();
    fake.replies.push({ text });
    const response = await agent.post("/human_feedback", request({ cid, input: [{ user_query: "meh" }] }));
    expect(response.status).toBe(200);
    const output = (response.body as { output: { immediate_response: string; notebook: string } }).output;
    expect(output.immediate_response).toContain("couldn't extract any actionable insights");
    expect(JSON.parse(output.notebook)).toMatchObject({ insights_extracted: 0, entries_modified: 0, insights: [] });
    expect(((await agent.call("GET", `/playbook/${cid}`)).body as { entry_count: number }).entry_count).toBe(0);
    // The feedback itself is kept in the history.
    const conversation = (await agent.call("GET", `/conversations/${cid}`)).body as Conversation;
    expect(conversation.messages[0]?.content).toBe("User feedback: meh");
  });
});

describe("retention", () => {
  it("hides messages older than CONVERSATION_CLEANUP_DAYS and prunes them on the agent's step", async () => {
    let now = new Date("2025-05-01T00:00:00Z");
    await using aged = await startTestAgent(
      {
        LLM_PROVIDER: "openai",
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_MODEL: "fake-model",
        CONVERSATION_CLEANUP_DAYS: "2",
      },
      { now: () => now },
    );
    reply("old answer");
    expect((await aged.post("/complete", request({ cid: "aging" }))).status).toBe(200);
    now = new Date("2025-05-02T23:00:00Z");
    expect(await aged.agent.prune()).toBe(0);
    expect(((await aged.call("GET", "/conversations/aging")).body as Conversation).message_count).toBe(2);

    now = new Date("2025-05-03T00:00:01Z");
    const expired = (await aged.call("GET", "/conversations/aging")).body as Conversation;
    expect(expired.message_count).toBe(0);
    reply("fresh answer");
    await aged.post("/complete", request({ cid: "aging" }));
    // The expired exchange was not fed back to the model.
    expect(fake.calls.at(-1)?.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(await aged.agent.prune()).toBe(2);
    expect(((await aged.call("GET", "/conversations/aging")).body as Conversation).message_count).toBe(2);
  });

  it("drops a conversation whose messages all expired, with its playbook, so the count can fall", async () => {
    let now = new Date("2025-05-01T00:00:00Z");
    await using aged = await startTestAgent(
      {
        LLM_PROVIDER: "openai",
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_MODEL: "fake-model",
        CONVERSATION_CLEANUP_DAYS: "2",
      },
      { now: () => now },
    );
    const activeConversations = async () =>
      ((await aged.call("GET", "/health", undefined, {})).body as { active_conversations: number })
        .active_conversations;
    fake.replies.push({ text: '[{"insight_type":"preference","key":"tone","value":"brief","operation":"insert"}]' });
    expect((await aged.post("/human_feedback", request({ cid: "fading" }))).status).toBe(200);
    expect(((await aged.call("GET", "/playbook/fading")).body as { entry_count: number }).entry_count).toBe(1);
    expect((await aged.post("/summary", request({ cid: "nothing-said" }))).status).toBe(200);
    expect(await activeConversations()).toBe(2);

    now = new Date("2025-05-03T00:00:01Z");
    await aged.agent.prune();
    expect((await aged.call("GET", "/conversations/fading")).status).toBe(404);
    expect((await aged.call("GET", "/conversations/nothing-said")).status).toBe(404);
    expect(((await aged.call("GET", "/playbook/fading")).body as { entry_count: number }).entry_count).toBe(0);
    expect(
      ((await aged.call("GET", "/conversations")).body as { total_conversations: number }).total_conversations,
    ).toBe(0);
    expect(await activeConversations()).toBe(0);
  });
});
