// Every GET route of the agent's OpenAPI document with boundary values in its path and query
// parameters: each is answered with a 2xx or a 4xx in the reference's shape, never a 5xx.

import { probeGetRoutes } from "@pithead/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, TEST_KEY, type TestAgent } from "./support/agent-harness.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./support/fake-openai.ts";

let fake: FakeOpenAi;
let agent: TestAgent;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  agent = await startTestAgent({ LLM_PROVIDER: "openai", OPENAI_BASE_URL: fake.baseUrl, OPENAI_MODEL: "fake-model" });
  // Something to find: a conversation with history.
  await agent.post("/complete", { cid: "1", task: "t", input: [{ user_query: "q" }] });
});
afterAll(async () => {
  await agent?.[Symbol.asyncDispose]();
  await fake?.close();
});

describe("bad query input", () => {
  it("answers boundary values in every GET route's path and query parameters without a 5xx", async () => {
    const { requests, findings } = await probeGetRoutes(agent.agent.app, () => ({ "x-api-key": TEST_KEY }));
    expect(findings).toEqual([]);
    expect(requests).toBeGreaterThan(30);
  });
});
