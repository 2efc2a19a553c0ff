// For a test file whose upstream model is the in-test OpenAI-compatible server: starts the fake
// model and an agent pointed at it before the file's tests, closes both after, and gives every
// test a clean slate (no recorded calls, no queued replies).

import { afterAll, beforeAll, beforeEach } from "vitest";
import { startTestAgent, type TestAgent } from "./agent-harness.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./fake-openai.ts";

export function useAgentWithFakeModel(
  env: Record<string, string>,
  started: (fake: FakeOpenAi, agent: TestAgent) => void,
): void {
  let fake: FakeOpenAi | undefined;
  let agent: TestAgent | undefined;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    agent = await startTestAgent({
      LLM_PROVIDER: "openai",
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_MODEL: "fake-model",
      LLM_MAX_RETRIES: "0",
      ...env,
    });
    started(fake, agent);
  });
  afterAll(async () => {
    await agent?.agent.close();
    await fake?.close();
  });
  beforeEach(() => {
    if (!fake) return;
    fake.calls.length = 0;
    fake.replies.length = 0;
  });
}
