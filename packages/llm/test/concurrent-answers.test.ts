// Regression: concurrent requests on the embedded model each get their own answer. Sequences
// batched in one decode sampled from each other's logits (llama.cpp's lazy output reorder,
// run by several sampling threads at once: see src/local/sample-gate.ts), so some answers
// skipped, repeated or jumped tokens. The race needs a batch split out of order (a prompt
// decoded beside other sequences' next tokens) and two threads in the reorder together, so
// the workload is many short requests joining 32 busy sequences: before the fix it broke
// tens of answers per run, after it none.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createLocalProvider,
  ensureTinyModel,
  type GenerateRequest,
  type LlmProvider,
  loadEmbeddedModel,
  tinyModelContinuation,
} from "../src/index.ts";

const PARALLEL = 32;
const REQUESTS = 1200;
const WORKERS = 64;
const MAX_TOKENS = 8;
let llm: LlmProvider;

beforeAll(async () => {
  const modelPath = ensureTinyModel(mkdtempSync(join(tmpdir(), "pithead-llm-concurrent-")));
  llm = createLocalProvider(await loadEmbeddedModel({ modelPath, contextSize: 1024, parallel: PARALLEL }));
});
afterAll(async () => {
  await llm?.close();
});

/** Request i and the answer it gets alone (greedy decoding of the tiny model is fixed). */
function requestAndAnswer(i: number): { request: GenerateRequest; answer: string } {
  const question = String.fromCharCode(0x21 + (i % 90)).repeat(1 + ((i * 37) % 40));
  switch (i % 3) {
    case 0: // raw completion: the prompt's own continuation
      return {
        request: { prompt: question, maxTokens: MAX_TOKENS },
        answer: tinyModelContinuation(question, MAX_TOKENS),
      };
    case 1: // chat without history: a ChatML answer always starts at "A"
      return {
        request: { messages: [{ role: "user", content: question }], maxTokens: MAX_TOKENS },
        answer: "ABCDEFGH",
      };
    default: // chat with history: earlier turns, possibly still in the sequence from another request
      return {
        request: {
          messages: [
            { role: "system", content: "You are a helpful assistant." },
            { role: "user", content: `first ${i % 7}` },
            { role: "assistant", content: "ABCDEFGH" },
            { role: "user", content: question },
          ],
          maxTokens: MAX_TOKENS,
        },
        answer: "ABCDEFGH",
      };
  }
}

it("gives every one of many concurrent requests the answer it gets alone, raw and chat, with and without history", async () => {
  // The single-request answers, one at a time, match the model's rule.
  for (let i = 0; i < 3; i++) {
    const { request, answer } = requestAndAnswer(i);
    expect((await llm.generate(request)).text).toBe(answer);
  }

  const wrong: { i: number; got: string; want: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const { request, answer } = requestAndAnswer(i);
        const { text } = await llm.generate(request);
        if (text !== answer) wrong.push({ i, got: text, want: answer });
      }
    }),
  );
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(wrong).toHaveLength(0);
});
