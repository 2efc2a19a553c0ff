// Turns a callback-style generation (text chunks pushed as they come) into the pull-style
// `stream()` both providers expose. Leaving the loop early aborts the generation.

import { LlmError } from "./errors.ts";
import type { GenerateRequest, GenerateResult, StreamEvent } from "./types.ts";

export type RunWithText = (request: GenerateRequest, onText: (text: string) => void) => Promise<GenerateResult>;

export async function* streamGeneration(run: RunWithText, request: GenerateRequest): AsyncGenerator<StreamEvent> {
  const consumerGone = new AbortController();
  const signal = request.signal ? AbortSignal.any([request.signal, consumerGone.signal]) : consumerGone.signal;
  const chunks: string[] = [];
  let wake: (() => void) | undefined;
  let settled = false;
  let result: GenerateResult | undefined;
  let failed = false;
  let failure: unknown;

  const running = run({ ...request, signal }, (text) => {
    if (text.length === 0) return;
    chunks.push(text);
    wake?.();
  }).then(
    (value) => {
      result = value;
    },
    (error: unknown) => {
      failed = true;
      failure = error;
    },
  );
  void running.finally(() => {
    settled = true;
    wake?.();
  });

  try {
    for (;;) {
      const next = chunks.shift();
      if (next !== undefined) {
        yield { type: "text", text: next };
        continue;
      }
      if (settled) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    if (failed) throw failure;
    if (result) yield { type: "done", result };
  } finally {
    if (!settled) {
      consumerGone.abort(new LlmError("ABORTED", "the stream's reader stopped before the end"));
      await running;
    }
  }
}
