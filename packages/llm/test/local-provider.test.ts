// The embedded provider on the real inference path: node-llama-cpp running the tiny GGUF
// model this package writes. Loaded once for the file (plus one single-sequence copy for the
// queue bound), so the whole file takes a few seconds.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLocalProvider,
  createProvider,
  ensureTinyModel,
  type GenerateRequest,
  type GenerateResult,
  isLlmError,
  type LlmProvider,
  loadEmbeddedModel,
  tinyModelContinuation,
} from "../src/index.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-llm-"));
const CONTEXT = 512;
let llm: LlmProvider;

beforeAll(async () => {
  // The factory's default: no modelPath, so the tiny model is written under dataDir.
  llm = await createProvider({ provider: "local", dataDir, contextSize: CONTEXT, parallel: 4 });
});
afterAll(async () => {
  await llm?.close();
});

const chat = (content: string): GenerateRequest => ({
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content },
  ],
});

async function collect(request: GenerateRequest): Promise<{ chunks: string[]; result: GenerateResult | undefined }> {
  const chunks: string[] = [];
  let result: GenerateResult | undefined;
  for await (const event of llm.stream(request)) {
    if (event.type === "text") chunks.push(event.text);
    else result = event.result;
  }
  return { chunks, result };
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLlmError(error)) throw new Error(`expected an LlmError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

describe("local provider on the tiny model", () => {
  it("describes itself", () => {
    expect(llm.info()).toMatchObject({
      provider: "local",
      model: "pithead-tiny-260",
      contextSize: CONTEXT,
      modelPath: join(dataDir, "models", "pithead-tiny-260.gguf"),
      parallel: 4,
      maxQueue: 256,
    });
    expect(["cpu", "cuda", "vulkan", "metal"]).toContain(llm.info().accelerator);
  });

  it("measures a prompt exactly, as generation counts it, and says how much room the answer has", async () => {
    const request = chat("How much room is left?");
    const measured = llm.measure(request);
    const { promptTokens } = await llm.generate({ ...request, maxTokens: 1 });
    expect(measured).toEqual({ promptTokens, exact: true, contextSize: CONTEXT, room: CONTEXT - promptTokens - 2 });
    expect(llm.measure({ prompt: "abc" })).toEqual({ promptTokens: 4, exact: true, contextSize: CONTEXT, room: 508 });
    // A prompt over the window measures a room below 1 instead of failing.
    expect(llm.measure(chat("x".repeat(CONTEXT))).room).toBeLessThan(1);
    await expect(llm.check()).resolves.toBeUndefined();
  });

  it("continues a raw prompt with greedy decoding: abc → defg…", async () => {
    const result = await llm.generate({ prompt: "abc", maxTokens: 10 });
    expect(result).toMatchObject({
      text: "defghijklm",
      promptTokens: 4, // BOS + one token per byte
      completionTokens: 10,
      finishReason: "length",
      model: "pithead-tiny-260",
    });
    expect(result.timing.totalMs).toBeGreaterThanOrEqual(result.timing.firstTokenMs ?? 0);
  });

  it("reports its progress as tokens come: how many, of how many, since the first", async () => {
    const seen: { completionTokens: number; maxTokens: number; sinceFirstTokenMs: number }[] = [];
    const result = await llm.generate({ prompt: "abc", maxTokens: 12, onProgress: (p) => seen.push({ ...p }) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.map((p) => p.completionTokens)).toEqual([...seen.map((p) => p.completionTokens)].sort((a, b) => a - b));
    expect(seen.at(-1)?.completionTokens).toBe(result.completionTokens);
    expect(new Set(seen.map((p) => p.maxTokens))).toEqual(new Set([12]));
    expect(seen[0]?.sinceFirstTokenMs).toBe(0);
    // Without maxTokens, the limit is the room left in the context.
    const room: number[] = [];
    await llm.generate({ prompt: "abc", maxTokens: undefined, stop: ["g"], onProgress: (p) => room.push(p.maxTokens) });
    expect(room[0]).toBe(CONTEXT - 4);
  });

  it("gives the same text on every run", async () => {
    const runs = await Promise.all([1, 2, 3].map(() => llm.generate({ prompt: "The quick brown fox", maxTokens: 40 })));
    expect(new Set(runs.map((r) => r.text)).size).toBe(1);
    expect(runs[0]?.text).toBe(tinyModelContinuation("The quick brown fox", 40));
  });

  it("stays on the predicted path when sampling, thanks to the logit margin", async () => {
    const sampled = await llm.generate({ prompt: "k", maxTokens: 12, temperature: 0.9, topP: 0.95, seed: 7 });
    expect(sampled.text).toBe("lmnopqrstuvw");
  });

  it("ends the text at a non-ASCII byte with finishReason stop", async () => {
    expect(await llm.generate({ prompt: "café", maxTokens: 20 })).toMatchObject({
      text: "",
      completionTokens: 0,
      finishReason: "stop",
    });
  });

  it("answers chat through the model's ChatML template, deterministically", async () => {
    const first = await llm.generate({ ...chat("What is quantum computing?"), maxTokens: 12 });
    const again = await llm.generate({ ...chat("What is quantum computing?"), maxTokens: 12 });
    expect(first.text).toBe("ABCDEFGHIJKL");
    expect(again.text).toBe(first.text);
    expect(first.promptTokens).toBeGreaterThan("What is quantum computing?".length);
    // The tiny model predicts from the last token only ("\n" after "assistant"), whatever was asked.
    const other = await llm.generate({
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "ABC" },
        { role: "user", content: "more" },
      ],
      maxTokens: 5,
    });
    expect(other.text).toBe("ABCDE");
  });

  it("streams exactly the text generate returns, raw and chat", async () => {
    const raw = await collect({ prompt: "abc", maxTokens: 30 });
    expect(raw.chunks.length).toBeGreaterThan(1);
    expect(raw.chunks.join("")).toBe((await llm.generate({ prompt: "abc", maxTokens: 30 })).text);
    expect(raw.result?.text).toBe(raw.chunks.join(""));
    expect(raw.result?.completionTokens).toBe(30);

    const conversation = await collect({ ...chat("Hello"), maxTokens: 20 });
    expect(conversation.chunks.join("")).toBe((await llm.generate({ ...chat("Hello"), maxTokens: 20 })).text);
  });

  it("honours stop sequences, leaving them out of the text, also when streaming", async () => {
    const result = await llm.generate({ prompt: "abc", maxTokens: 50, stop: ["zz", "hij"] });
    expect(result).toMatchObject({ text: "defg", finishReason: "stop" });
    const streamed = await collect({ prompt: "abc", maxTokens: 50, stop: ["hij"] });
    expect(streamed.chunks.join("")).toBe("defg");
    expect((await llm.generate({ ...chat("x"), stop: ["EF"] })).text).toBe("ABCD");
  });

  it("answers 12 concurrent raw and chat requests correctly (batched on 4 sequences, the rest queued)", async () => {
    const prompts = ["a", "b", "c", "d", "e", "f", "g", "h"].map((letter) => letter.repeat(20));
    const [raw, chats] = await Promise.all([
      Promise.all(prompts.map((prompt) => llm.generate({ prompt, maxTokens: 8 }))),
      Promise.all(["one", "two", "three", "four"].map((q) => llm.generate({ ...chat(q), maxTokens: 6 }))),
    ]);
    expect(raw.map((r) => r.text)).toEqual(prompts.map((prompt) => tinyModelContinuation(prompt, 8)));
    expect(chats.map((r) => r.text)).toEqual(["ABCDEF", "ABCDEF", "ABCDEF", "ABCDEF"]);
  });

  it("refuses a prompt longer than the context with CONTEXT_OVERFLOW before generating", async () => {
    const raw = await failure(llm.generate({ prompt: "x".repeat(CONTEXT + 10) }));
    expect(raw.code).toBe("CONTEXT_OVERFLOW");
    expect(raw.message).toMatch(/the prompt is 523 tokens but pithead-tiny-260 has room for 511 per request/);
    expect((await failure(llm.generate(chat("y".repeat(CONTEXT))))).code).toBe("CONTEXT_OVERFLOW");
  });

  it("stops at the end of the context with finishReason length when maxTokens is not given", async () => {
    const result = await llm.generate({ prompt: "x".repeat(490) });
    expect(result.finishReason).toBe("length");
    expect(result.promptTokens + result.completionTokens).toBe(CONTEXT);
  });

  it("keeps the text so far when the caller aborts mid-generation", async () => {
    const controller = new AbortController();
    let chunks = 0;
    let result: GenerateResult | undefined;
    for await (const event of llm.stream({ prompt: "a", maxTokens: 300, signal: controller.signal })) {
      if (event.type === "text" && ++chunks === 3) controller.abort();
      if (event.type === "done") result = event.result;
    }
    expect(result?.finishReason).toBe("abort");
    expect(result?.text.length).toBeGreaterThanOrEqual(3);
    expect(tinyModelContinuation("a", 300).startsWith(result?.text ?? "-")).toBe(true);
  });

  it("stops generating when a stream's reader leaves early, freeing the sequence", async () => {
    for (let i = 0; i < 6; i++) {
      for await (const event of llm.stream({ prompt: "a", maxTokens: 400 })) {
        if (event.type === "text") break;
      }
    }
    // Six abandoned streams on four sequences: if any still held its sequence this would queue forever.
    expect((await llm.generate({ prompt: "q", maxTokens: 3 })).text).toBe("rst");
  });

  it("rejects an already-aborted request with ABORTED and a late one with TIMEOUT", async () => {
    expect((await failure(llm.generate({ prompt: "a", signal: AbortSignal.abort() }))).code).toBe("ABORTED");
    const late = await failure(llm.generate({ prompt: "a", maxTokens: 480, timeoutMs: 1 }));
    expect(late).toMatchObject({
      code: "TIMEOUT",
      message: "generation with pithead-tiny-260 ran past its 1 ms deadline",
    });
  });

  it("rejects bad input with INVALID_REQUEST naming the field", async () => {
    const bad = await failure(llm.generate({ prompt: "a", maxTokens: -1 }));
    expect(bad).toMatchObject({ code: "INVALID_REQUEST", message: "maxTokens must be a whole number ≥ 1 (got -1)" });
    const notCallable = await failure(
      llm.generate({ prompt: "a", onProgress: 5 as unknown as GenerateRequest["onProgress"] }),
    );
    expect(notCallable).toMatchObject({ code: "INVALID_REQUEST", message: "onProgress must be a function" });
  });
});

describe("local provider queue bound", () => {
  it("refuses requests past parallel + maxQueue with QUEUE_FULL and serves the others", async () => {
    const embedded = await loadEmbeddedModel({
      modelPath: ensureTinyModel(join(dataDir, "models")),
      contextSize: 256,
      parallel: 1,
    });
    const single = createLocalProvider(embedded, { maxQueue: 1 });
    try {
      const running = single.generate({ prompt: "a", maxTokens: 5 });
      const waiting = single.generate({ prompt: "b", maxTokens: 5 });
      const refused = await failure(single.generate({ prompt: "c", maxTokens: 5 }));
      expect(refused.code).toBe("QUEUE_FULL");
      expect(refused.message).toMatch(/all 1 sequences are busy and 1 requests are already waiting \(maxQueue 1\)/);
      expect((await running).text).toBe("bcdef");
      expect((await waiting).text).toBe("cdefg");
    } finally {
      await single.close();
    }
    expect((await failure(single.generate({ prompt: "a" }))).code).toBe("CLOSED");
  });
});
