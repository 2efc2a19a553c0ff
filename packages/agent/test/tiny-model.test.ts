// The real inference path: node-llama-cpp running the generated tiny GGUF model in-process (the
// agent's default provider). The tiny model's greedy output is predictable, so answers can be
// compared exactly; a pass-through recorder shows what the agent sent to the model.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProvider, type LlmProvider } from "@pithead/llm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatMessages, completePrompt } from "../src/components/prompt-builders.ts";
import type { ComponentInput } from "../src/components/types.ts";
import type { ChatModel, ChatRequest } from "../src/llm/chat-model.ts";
import { request, startTestAgent, type TestAgent } from "./support/agent-harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-agent-tiny-"));
let provider: LlmProvider;
let agent: TestAgent;
const sent: ChatRequest[] = [];

/** Passes every call to the real provider and keeps what was asked. */
function recording(model: LlmProvider): ChatModel {
  return {
    info: () => model.info(),
    measure: (chat) => model.measure(chat),
    generate: (chat) => {
      sent.push(chat);
      return model.generate(chat);
    },
  };
}

beforeAll(async () => {
  provider = await createProvider({ provider: "local", dataDir, gpu: "cpu" });
  agent = await startTestAgent(
    { DATA_DIR: dataDir, MAX_TOKENS: "48", MAX_CONVERSATION_MESSAGES: "4", SMART_HISTORY_COUNT: "2" },
    { model: recording(provider) },
  );
});

afterAll(async () => {
  await agent?.agent.close();
  await provider?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  sent.length = 0;
});

interface Output {
  output: { immediate_response: string; notebook: string };
}

async function complete(cid: string, query: string): Promise<Output> {
  const response = await agent.post("/complete", request({ cid, task: "Continue", input: [{ user_query: query }] }));
  expect(response.status, response.text).toBe(200);
  return response.body as Output;
}

describe("/complete on the tiny model", () => {
  it("answers deterministically, with exactly what the model gives for the component's prompt", async () => {
    const first = await complete("tiny-a", "abc");
    const second = await complete("tiny-b", "abc");
    expect(first.output.immediate_response.length).toBeGreaterThan(0);
    expect(second.output).toEqual(first.output);
    // The tiny model answers prose, not JSON: the raw text with "no update", as the reference does.
    expect(first.output.notebook).toBe("no update");

    const input: ComponentInput = {
      cid: "direct",
      task: "Continue",
      input: [{ user_query: "abc" }],
      previous_outputs: [],
      use_conversation_history: true,
      use_playbook: true,
    };
    const direct = await provider.generate({
      messages: chatMessages(completePrompt(input, ""), []),
      temperature: 0.7,
      maxTokens: 48,
    });
    expect(first.output.immediate_response).toBe(direct.text);
  });

  it("stores the history, caps it, and feeds the newest messages back to the model", async () => {
    const cid = "tiny-history";
    const answers: string[] = [];
    for (const query of ["one", "two", "three"]) answers.push((await complete(cid, query)).output.immediate_response);

    const conversation = (await agent.call("GET", `/conversations/${cid}`)).body as {
      message_count: number;
      messages: { role: string; content: string }[];
    };
    expect(conversation.message_count).toBe(4);
    expect(conversation.messages.map((m) => m.content)).toEqual([
      "Task: Continue\nQuery 1: two",
      answers[1],
      "Task: Continue\nQuery 1: three",
      answers[2],
    ]);

    // The third request carried the two newest stored messages (SMART_HISTORY_COUNT=2).
    const third = sent[2]?.messages ?? [];
    expect(third.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(third[1]?.content).toBe("Task: Continue\nQuery 1: two");
    expect(third[2]?.content).toBe(answers[1]);
    expect(sent[2]?.temperature).toBe(0.7);
  });

  it("leaves the playbook unchanged when the model's feedback answer is not an insight list", async () => {
    const response = await agent.post(
      "/human_feedback",
      request({ cid: "tiny-feedback", input: [{ user_query: "Please answer in French." }] }),
    );
    expect(response.status).toBe(200);
    const body = response.body as Output;
    expect(body.output.immediate_response).toContain("couldn't extract any actionable insights");
    expect(((await agent.call("GET", "/playbook/tiny-feedback")).body as { entry_count: number }).entry_count).toBe(0);
    expect(sent[0]?.temperature).toBe(0.3);
    expect(sent[0]?.maxTokens).toBe(48);
  });
});

describe("history and the context window (LOCAL_CONTEXT_SIZE)", () => {
  it("drops the oldest stored messages that do not fit, and refuses only an input that cannot fit alone", async () => {
    const big = "q".repeat(1500);
    const ask = (query: string) => request({ cid: "tiny-window", task: "Continue", input: [{ user_query: query }] });
    // The window: a big request alone, plus room for the answer and a few short messages, not for
    // a second big one.
    const alone = provider.measure({
      messages: chatMessages(completePrompt({ ...ask(big), previous_outputs: [] } as ComponentInput, ""), []),
    });
    // node-llama-cpp rounds a context up to a multiple of 256.
    const contextSize = Math.ceil((alone.promptTokens + 1000) / 256) * 256;
    await using windowed = await startTestAgent({
      DATA_DIR: dataDir,
      LOCAL_CONTEXT_SIZE: String(contextSize),
      MAX_TOKENS: "16",
      SMART_HISTORY_COUNT: "4",
    });
    expect(windowed.agent.model.info()).toMatchObject({ contextSize });
    const asked: ChatRequest[] = [];
    const model = windowed.agent.model as LlmProvider;
    const generate = model.generate.bind(model);
    model.generate = (chat) => {
      asked.push(chat as ChatRequest);
      return generate(chat);
    };

    expect((await windowed.post("/complete", ask(big))).status).toBe(200);
    expect((await windowed.post("/complete", ask("short"))).status).toBe(200);
    // The big exchange stored first would overflow the window with this big request: it is left
    // out, question and answer (the reference's 422 blamed this request's input, which fits alone).
    const third = await windowed.post("/complete", ask(big));
    expect(third.status, third.text).toBe(200);
    const messages = asked[2]?.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(messages[1]?.content).toBe("Task: Continue\nQuery 1: short");
    expect(messages.some((m) => m.content === `Task: Continue\nQuery 1: ${big}`)).toBe(false);

    // An input that cannot fit even alone is refused, naming the input and the setting.
    const huge = await windowed.post("/complete", ask("q".repeat(contextSize)));
    expect(huge.status).toBe(422);
    const [detail] = (huge.body as { detail: { loc: string[]; msg: string }[] }).detail;
    expect(detail?.loc).toEqual(["body", "input"]);
    expect(detail?.msg).toMatch(
      new RegExp(
        `^the input .* is \\d+ tokens, but pithead-tiny-260 holds ${contextSize} per request.*LOCAL_CONTEXT_SIZE$`,
      ),
    );
    expect(asked).toHaveLength(3);
  });
});

describe("the default configuration", () => {
  it("runs the in-process tiny model when no provider is configured", async () => {
    await using defaults = await startTestAgent({ DATA_DIR: dataDir, MAX_TOKENS: "8" });
    const health = (await defaults.call("GET", "/health", undefined, {})).body as {
      llm_provider: string;
      model: string;
    };
    expect(health).toMatchObject({ llm_provider: "local", model: "pithead-tiny-260" });
    const answer = await defaults.post(
      "/complete",
      request({ cid: "defaults", task: "Continue", input: [{ user_query: "abc" }] }),
    );
    expect(answer.status).toBe(200);
    expect((answer.body as Output).output.immediate_response).toHaveLength(8);
  });
});
