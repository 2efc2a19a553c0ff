// What each component sends to the model and answers, over real HTTP, with an OpenAI-compatible
// server in the test standing in for the upstream model and recording every chat request.

import { describe, expect, it } from "vitest";
import { request, type TestAgent } from "./support/agent-harness.ts";
import { useAgentWithFakeModel } from "./support/agent-with-fake-model.ts";
import type { ChatCall, FakeOpenAi } from "./support/fake-openai.ts";

let fake: FakeOpenAi;
let agent: TestAgent;
let cidCounter = 0;
const freshCid = () => `components-${++cidCounter}`;

useAgentWithFakeModel({}, (startedFake, startedAgent) => {
  fake = startedFake;
  agent = startedAgent;
});

const answer = (immediate: string, notebook = "no update") =>
  JSON.stringify({ immediate_response: immediate, notebook });

const lastCall = (): ChatCall => {
  const call = fake.calls.at(-1);
  if (!call) throw new Error("the model was not called");
  return call;
};

interface Output {
  cid: string;
  task: string;
  input: { user_query: string }[];
  output: { immediate_response: string; notebook: string };
  component: string;
}

async function post(path: string, body: unknown): Promise<Output> {
  const response = await agent.post(path, body);
  expect(response.status, response.text).toBe(200);
  return response.body as Output;
}

const previousOutput = (component: string, response: string, notebook = "no update") => ({
  task: `${component} task`,
  input: [{ user_query: "earlier question" }],
  output: { immediate_response: response, notebook },
  component,
});

describe("/complete", () => {
  it("answers the spec's example with the echoed request and the model's JSON answer", async () => {
    fake.replies.push({ text: answer("Quantum computing uses qubits...") });
    const body = request({ cid: freshCid() });
    const output = await post("/complete", body);
    expect(output).toEqual({
      cid: body.cid,
      task: "Explain quantum computing",
      input: [{ user_query: "What is quantum computing in simple terms?" }],
      output: { immediate_response: "Quantum computing uses qubits...", notebook: "no update" },
      component: "complete",
    });
  });

  it("sends the reference's system prompt, the numbered queries and the previous outputs, at temperature 0.7", async () => {
    fake.replies.push({ text: answer("ok") });
    await post(
      "/complete",
      request({
        cid: freshCid(),
        task: "Write it",
        input: [{ user_query: "first" }, { user_query: "second" }],
        previous_outputs: [
          previousOutput("refine", "draft answer", "the draft"),
          previousOutput("feedback", "looks fine"),
        ],
      }),
    );
    const call = lastCall();
    expect(call.temperature).toBe(0.7);
    expect(call.max_tokens).toBe(64);
    expect(call.messages[0]?.role).toBe("system");
    expect(call.messages[0]?.content).toMatch(/^You are an intelligent AI assistant that helps users complete tasks\./);
    expect(call.messages.at(-1)).toEqual({
      role: "user",
      content:
        "Task: Write it\n\nInput:\nQuery 1: first\n\nQuery 2: second\n\n\nPrevious component outputs:\n\n" +
        "[refine] refine task:\n  Response: draft answer\n  Notebook: the draft\n\n" +
        "[feedback] feedback task:\n  Response: looks fine\n\n\nComplete this task and respond in JSON format.",
    });
  });

  it("takes the JSON from a ```json fence, and falls back to the raw text for prose", async () => {
    fake.replies.push({ text: `Here you go:\n\`\`\`json\n${answer("fenced", "doc v1")}\n\`\`\`\nBye` });
    expect((await post("/complete", request({ cid: freshCid() }))).output).toEqual({
      immediate_response: "fenced",
      notebook: "doc v1",
    });
    fake.replies.push({ text: "Just prose, no JSON." });
    expect((await post("/complete", request({ cid: freshCid() }))).output).toEqual({
      immediate_response: "Just prose, no JSON.",
      notebook: "no update",
    });
  });

  it("answers a JSON list from the model as raw text instead of failing (the reference's 500)", async () => {
    fake.replies.push({ text: '["a", "b"]' });
    const output = await post("/complete", request({ cid: freshCid() }));
    expect(output.output).toEqual({ immediate_response: '["a", "b"]', notebook: "no update" });
  });

  it('resolves a "no update" notebook to the first previous notebook that is a document', async () => {
    fake.replies.push({ text: answer("kept it") });
    const output = await post(
      "/complete",
      request({
        cid: freshCid(),
        previous_outputs: [
          previousOutput("complete", "a"),
          previousOutput("refine", "b", "THE DOC"),
          previousOutput("x", "c", "other"),
        ],
      }),
    );
    expect(output.output.notebook).toBe("THE DOC");
  });
});

describe("/refine, /feedback and /summary", () => {
  it("refines with the reference's prompt at temperature 0.7", async () => {
    fake.replies.push({ text: answer("refined", "better doc") });
    const output = await post(
      "/refine",
      request({ cid: freshCid(), task: "Polish", previous_outputs: [previousOutput("complete", "rough", "doc")] }),
    );
    expect(output.component).toBe("refine");
    expect(output.output).toEqual({ immediate_response: "refined", notebook: "better doc" });
    const call = lastCall();
    expect(call.temperature).toBe(0.7);
    expect(call.messages[0]?.content).toMatch(/^You are an AI assistant that refines and improves outputs\./);
    expect(call.messages.at(-1)?.content).toContain("Previous outputs to refine:");
    expect(call.messages.at(-1)?.content).toMatch(/Refine and improve the outputs\. Respond in JSON format\.$/);
  });

  it("gives feedback as plain text with no notebook, and shows the model the request's input (reference bug)", async () => {
    fake.replies.push({ text: "Strengths: clear. Weaknesses: short." });
    const output = await post(
      "/feedback",
      request({
        cid: freshCid(),
        task: "Review",
        input: [{ user_query: "Is the poem about the sea?" }],
        previous_outputs: [previousOutput("complete", "A poem", "Waves...")],
      }),
    );
    expect(output.output).toEqual({
      immediate_response: "Strengths: clear. Weaknesses: short.",
      notebook: "no update",
    });
    const call = lastCall();
    expect(call.temperature).toBe(0.7);
    expect(call.messages[0]?.content).toBe("You are an AI assistant that provides constructive feedback.");
    const prompt = call.messages.at(-1)?.content ?? "";
    expect(prompt).toContain("Query 1: Is the poem about the sea?");
    expect(prompt).toContain("Outputs to analyze:");
    expect(prompt).toContain("1. Strengths (what works well)");
  });

  it("summarises at temperature 0.5, and answers without the model when there is nothing to summarise", async () => {
    fake.replies.push({ text: answer("short summary") });
    const summarised = await post(
      "/summary",
      request({
        cid: freshCid(),
        previous_outputs: [previousOutput("complete", "one"), previousOutput("refine", "two")],
      }),
    );
    expect(summarised.output.immediate_response).toBe("short summary");
    expect(lastCall().temperature).toBe(0.5);
    expect(lastCall().messages.at(-1)?.content).toContain(
      "[complete] complete task:\nResponse: one\n\n\n---\n\n[refine]",
    );

    fake.calls.length = 0;
    const empty = await post("/summary", request({ cid: freshCid() }));
    expect(empty.output).toEqual({ immediate_response: "No previous outputs to summarize.", notebook: "no update" });
    expect(fake.calls).toHaveLength(0);
  });
});

describe("/aggregate", () => {
  it("counts the votes itself, gives the model the counts, and keeps the majority's notebook", async () => {
    fake.replies.push({ text: answer("Consensus: Paris.") });
    const output = await post(
      "/aggregate",
      request({
        cid: freshCid(),
        task: "Capital of France?",
        previous_outputs: [
          previousOutput("complete", "Paris", "Answer: Paris"),
          previousOutput("complete", "Lyon", "Answer: Lyon"),
          previousOutput("complete", "  paris. ", "answer: paris"),
          previousOutput("complete", "PARIS!", "Answer: Paris"),
        ],
      }),
    );
    expect(output.output.immediate_response).toBe("Consensus: Paris.");
    // The model said "no update": the majority's notebook (3 of 4) is the consensus document.
    expect(output.output.notebook).toBe("Answer: Paris");
    const call = lastCall();
    expect(call.temperature).toBe(0.3);
    const prompt = call.messages.at(-1)?.content ?? "";
    expect(prompt).toContain("Output 1 [complete]:\nResponse: Paris\nNotebook: Answer: Paris\n");
    expect(prompt).toContain("- 3 votes: Output 1, Output 3, Output 4");
    expect(prompt).toContain("- 1 vote: Output 2");
    expect(prompt).toContain("Consensus: Output 1, Output 3, Output 4 (3 of 4, majority).");
  });

  it("answers without the model when there is nothing to aggregate", async () => {
    const output = await post("/aggregate", request({ cid: freshCid() }));
    expect(output.output).toEqual({ immediate_response: "No previous outputs to aggregate.", notebook: "no update" });
    expect(fake.calls).toHaveLength(0);
  });
});

describe("/internet_search without a backend", () => {
  it("says plainly that search is not configured, in the usual 200 shape, without calling the model", async () => {
    const output = await post(
      "/internet_search",
      request({ cid: freshCid(), input: [{ user_query: "node 24 release" }, { user_query: "sqlite wal" }] }),
    );
    expect(output.component).toBe("internet_search");
    expect(output.output.notebook).toBe("no update");
    expect(output.output.immediate_response).toContain("Internet search is not configured");
    expect(output.output.immediate_response).toContain("- node 24 release\n- sqlite wal");
    expect(fake.calls).toHaveLength(0);
  });
});

describe("model output limits", () => {
  it("cuts an over-long answer to the response limits instead of failing", async () => {
    fake.replies.push({ text: answer("r".repeat(60_000), "n".repeat(120_000)) });
    const output = await post("/complete", request({ cid: freshCid() }));
    expect(output.output.immediate_response).toHaveLength(50_000);
    expect(output.output.notebook).toHaveLength(100_000);
  });
});
