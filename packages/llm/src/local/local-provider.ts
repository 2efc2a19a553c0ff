// The embedded provider: one loaded GGUF model shared by all requests. Each running request
// holds one sequence of the shared context, and node-llama-cpp batches the sequences'
// tokens into one llama.cpp decode per step, so concurrent requests cost little more than
// one. Requests beyond the sequences wait in a bounded FIFO queue (QUEUE_FULL beyond it).
//
// Per request the provider adds only: a validation pass, one tokenization to check the
// prompt fits (done before queueing, so an oversized prompt never waits), and a few
// callbacks — the hot loop is node-llama-cpp's own.

import { LlamaChat, LlamaCompletion, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { LlmError } from "../errors.ts";
import { validateRequest } from "../request-validation.ts";
import { streamGeneration } from "../stream-bridge.ts";
import type {
  ChatMessage,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  LlmProvider,
  PromptMeasure,
  ProviderInfo,
  StreamEvent,
} from "../types.ts";
import { toChatHistory } from "./chat-history.ts";
import type { EmbeddedModel } from "./embedded-model.ts";
import { createSequencePool } from "./sequence-pool.ts";

export const DEFAULT_MAX_QUEUE = 256;

export interface LocalProviderOptions {
  /** Requests allowed to wait for a sequence; more are refused with QUEUE_FULL. Default 256. */
  maxQueue?: number;
  /** Default deadline per request in ms; none by default. */
  timeoutMs?: number;
  /** Name reported as `model` (default: the file name without .gguf). */
  modelName?: string;
  /** Dispose the model when the provider is closed (default true). */
  ownsModel?: boolean;
}

type StopReason = "eogToken" | "stopGenerationTrigger" | "customStopTrigger" | "maxTokens" | "abort" | "functionCalls";

function finishReasonOf(reason: StopReason): FinishReason {
  if (reason === "maxTokens") return "length";
  if (reason === "abort") return "abort";
  return "stop";
}

/**
 * Generation settings the provider always passes to node-llama-cpp; benchmarks that call
 * node-llama-cpp directly pass the same so the comparison is fair. No repeat penalty:
 * OpenAI-compatible servers apply none unless asked, and the agent may use either.
 */
export const NODE_LLAMA_GENERATION_DEFAULTS = { temperature: 0, repeatPenalty: false } as const;

/** Chat generation must leave llama.cpp a free cell, or LlamaChat shifts the context. */
const CHAT_MARGIN = 2;

export function createLocalProvider(embedded: EmbeddedModel, options: LocalProviderOptions = {}): LlmProvider {
  const { model, context } = embedded;
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  const modelName = options.modelName ?? embedded.modelName;
  const bosCount = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? 1 : 0;
  const sequences: LlamaContextSequence[] = [];
  const pool = createSequencePool({
    size: embedded.parallel,
    maxQueue,
    create: () => {
      const sequence = context.getSequence();
      sequences.push(sequence);
      return sequence;
    },
  });
  // Stop functions of running requests and their promises, so close() can stop and await them.
  const stoppers = new Set<(reason: "closed") => void>();
  const inflight = new Set<Promise<unknown>>();
  let closed = false;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inflight.add(promise);
    promise.then(
      () => inflight.delete(promise),
      () => inflight.delete(promise),
    );
    return promise;
  };

  const overflow = (promptTokens: number, room: number): LlmError =>
    new LlmError(
      "CONTEXT_OVERFLOW",
      `the prompt is ${promptTokens} tokens but ${modelName} has room for ${room} per request (contextSize ${embedded.contextSize}); shorten the prompt or raise contextSize`,
      { field: "prompt", promptTokens, contextSize: embedded.contextSize },
    );

  const chatTokens = (messages: ChatMessage[]) => {
    const history = toChatHistory(messages);
    const { contextText } = embedded.chatWrapper().generateContextState({ chatHistory: history });
    return { history, promptTokens: contextText.tokenize(model.tokenizer).length };
  };

  function prepareCompletion(prompt: string) {
    const tokens: Token[] = model.tokenize(prompt, false);
    const promptTokens = tokens.length + bosCount;
    if (promptTokens === 0)
      throw new LlmError("INVALID_REQUEST", "prompt is empty and the model adds no BOS token", { field: "prompt" });
    const room = embedded.contextSize - promptTokens;
    if (room < 1) throw overflow(promptTokens, embedded.contextSize - 1);
    return { tokens, promptTokens, room };
  }

  function prepareChat(messages: ChatMessage[]) {
    const { history, promptTokens } = chatTokens(messages);
    const room = embedded.contextSize - promptTokens - CHAT_MARGIN;
    if (room < 1) throw overflow(promptTokens, embedded.contextSize - CHAT_MARGIN - 1);
    return { history, promptTokens, room };
  }

  async function run(request: GenerateRequest, onText?: (text: string) => void): Promise<GenerateResult> {
    validateRequest(request);
    if (closed) throw new LlmError("CLOSED", `the local provider for ${modelName} is closed`);
    const started = performance.now();
    if (request.signal?.aborted) throw new LlmError("ABORTED", "the request was aborted before it started");

    const prepared = request.prompt !== undefined ? prepareCompletion(request.prompt) : prepareChat(request.messages);
    const maxTokens = Math.min(request.maxTokens ?? prepared.room, prepared.room);

    // One controller stops both the queue wait and the generation; `why` says who stopped it.
    const stopper = new AbortController();
    let why: "abort" | "timeout" | "closed" | undefined;
    const stop = (reason: "abort" | "timeout" | "closed") => {
      why ??= reason;
      stopper.abort();
    };
    const onAbort = () => stop("abort");
    request.signal?.addEventListener("abort", onAbort, { once: true });
    const timeoutMs = request.timeoutMs ?? options.timeoutMs;
    const timer = timeoutMs !== undefined ? setTimeout(() => stop("timeout"), timeoutMs) : undefined;
    const stoppedError = () =>
      why === "timeout"
        ? new LlmError("TIMEOUT", `generation with ${modelName} ran past its ${timeoutMs} ms deadline`, { timeoutMs })
        : why === "closed"
          ? new LlmError("CLOSED", `the local provider for ${modelName} was closed`)
          : new LlmError("ABORTED", "the request was aborted before any text was generated");
    stoppers.add(stop);

    try {
      let lease: Awaited<ReturnType<typeof pool.acquire>>;
      try {
        lease = await pool.acquire(stopper.signal);
      } catch (error) {
        throw stopper.signal.aborted ? stoppedError() : error;
      }
      const queueMs = performance.now() - started;
      let completionTokens = 0;
      let firstTokenAt: number | undefined;
      const onProgress = request.onProgress;
      const countTokens = (tokens: readonly Token[]) => {
        const now = performance.now();
        firstTokenAt ??= now;
        completionTokens += tokens.length;
        onProgress?.({ completionTokens, maxTokens, sinceFirstTokenMs: now - firstTokenAt });
      };
      const sampling = {
        maxTokens,
        temperature: request.temperature ?? NODE_LLAMA_GENERATION_DEFAULTS.temperature,
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
        repeatPenalty: NODE_LLAMA_GENERATION_DEFAULTS.repeatPenalty,
        signal: stopper.signal,
        stopOnAbortSignal: true,
        ...(onText ? { onTextChunk: onText } : {}),
      };

      let text: string;
      let stopReason: StopReason;
      try {
        if ("tokens" in prepared) {
          const completion = new LlamaCompletion({ contextSequence: lease.resource });
          try {
            const response = await completion.generateCompletionWithMeta(prepared.tokens, {
              ...sampling,
              onToken: countTokens,
              disableContextShift: true,
            });
            text = response.response;
            stopReason = response.metadata.stopReason;
          } finally {
            completion.dispose({ disposeSequence: false });
          }
        } else {
          const chat = new LlamaChat({ contextSequence: lease.resource, chatWrapper: embedded.chatWrapper() });
          try {
            const response = await chat.generateResponse(prepared.history, {
              ...sampling,
              // Counts thought segments too: they use the context and time like any token.
              onResponseChunk: (chunk) => countTokens(chunk.tokens),
            });
            text = response.response;
            stopReason = response.metadata.stopReason;
          } finally {
            chat.dispose({ disposeSequence: false });
          }
        }
      } finally {
        lease.release();
      }
      if (why === "timeout" || why === "closed") throw stoppedError();
      if (why === "abort" && completionTokens === 0) {
        throw new LlmError("ABORTED", "the request was aborted before any text was generated");
      }
      const ended = performance.now();
      return {
        text,
        promptTokens: prepared.promptTokens,
        completionTokens,
        finishReason: finishReasonOf(stopReason),
        model: modelName,
        timing: {
          queueMs,
          firstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
          totalMs: ended - started,
        },
      };
    } finally {
      stoppers.delete(stop);
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }
  }

  return {
    info(): ProviderInfo {
      return {
        provider: "local",
        model: modelName,
        contextSize: embedded.contextSize,
        accelerator: embedded.accelerator,
        modelPath: embedded.modelPath,
        gpuLayers: embedded.gpuLayers,
        parallel: embedded.parallel,
        maxQueue,
      };
    },
    measure(request): PromptMeasure {
      validateRequest(request);
      const promptTokens =
        request.prompt !== undefined
          ? model.tokenize(request.prompt, false).length + bosCount
          : chatTokens(request.messages).promptTokens;
      // The same room run() gives the answer.
      const margin = request.prompt !== undefined ? 0 : CHAT_MARGIN;
      const contextSize = embedded.contextSize;
      return { promptTokens, exact: true, contextSize, room: contextSize - promptTokens - margin };
    },
    async check() {
      if (closed) throw new LlmError("CLOSED", `the local provider for ${modelName} is closed`);
    },
    generate: (request) => track(run(request)),
    stream: (request): AsyncIterable<StreamEvent> => streamGeneration((r, onText) => track(run(r, onText)), request),
    async close() {
      if (closed) return;
      closed = true;
      pool.close(new LlmError("CLOSED", `the local provider for ${modelName} was closed`));
      for (const stop of stoppers) stop("closed");
      // Running generations see the abort within a token and release their sequences.
      await Promise.allSettled([...inflight]);
      // Give the sequences back to the context, which may outlive this provider (benchmarks).
      // llama.cpp reclaims them asynchronously; wait (boundedly) until it has.
      const expected = context.sequencesLeft + sequences.length;
      for (const sequence of sequences.splice(0)) sequence.dispose();
      for (let i = 0; i < 1000 && context.sequencesLeft < expected; i++)
        await new Promise((resolve) => setImmediate(resolve));
      if (options.ownsModel !== false) await embedded.dispose();
    },
  };
}
