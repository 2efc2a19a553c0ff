// The OpenAI-compatible provider (OpenAI, vLLM, llama.cpp server, Ollama) through the `openai`
// SDK: chat requests go to /chat/completions, raw prompts to /completions (no chat
// template). 408/409/429/5xx and dropped connections are retried with exponential backoff,
// honouring Retry-After within the deadline (retry-policy.ts); `timeoutMs` is one deadline over
// the whole call, retries and streaming included.

import OpenAI, { APIError } from "openai";
import { LlmError } from "../errors.ts";
import { validateRequest } from "../request-validation.ts";
import { streamGeneration } from "../stream-bridge.ts";
import type {
  FinishReason,
  GenerateRequest,
  GenerateResult,
  LlmProvider,
  PromptMeasure,
  ProviderInfo,
  ProviderKind,
  StreamEvent,
} from "../types.ts";
import { cappedFetch, DEFAULT_MAX_RESPONSE_BYTES } from "./capped-fetch.ts";
import { chunkOf, completionOf, InvalidResponse, type Usage } from "./response-shape.ts";
import { nextRetryDelay } from "./retry-policy.ts";
import { shownUrl } from "./shown-url.ts";
import { estimatePromptTokens } from "./token-estimate.ts";
import { type StopCause, toUpstreamError } from "./upstream-errors.ts";

export const DEFAULT_HTTP_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

export interface OpenAiProviderOptions {
  kind?: Exclude<ProviderKind, "local">;
  /** Base URL including the API prefix, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Deadline per call in ms (default 60 000). */
  timeoutMs?: number;
  /** Retries after 429/5xx/connection failures (default 2). */
  maxRetries?: number;
  /**
   * Context window of the served model in tokens, if known (info(), measure()). Without it, check()
   * learns it from a server that reports it (vLLM's max_model_len).
   */
  contextSize?: number;
  /** Largest answer body read, in bytes (default 64 MiB); past it the call fails with UPSTREAM_INVALID. */
  maxResponseBytes?: number;
}

/** Resolves after `ms`, or as soon as `signal` fires. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function finishReasonOf(reason: string | null | undefined): FinishReason {
  return reason === "length" ? "length" : "stop";
}

/** How long check() waits for the model list by default. */
const CHECK_TIMEOUT_MS = 10_000;

/** The served model's context window from GET /models, where the server says (vLLM's max_model_len). */
function reportedContextSize(page: unknown, model: string): number | undefined {
  const data = (page as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const entry = data.find((item) => (item as { id?: unknown } | null)?.id === model) as
    | { max_model_len?: unknown }
    | undefined;
  const size = entry?.max_model_len;
  return typeof size === "number" && Number.isInteger(size) && size > 0 ? size : undefined;
}

/** The model ids a GET /models page lists; undefined when it holds no list (nothing to compare). */
function servedModels(page: unknown): string[] | undefined {
  const data = (page as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0) return undefined;
  return data.map((item) => (item as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === "string");
}

/** Ollama lists "llama3:latest" and serves it as "llama3" too. */
const isServed = (served: string[], model: string) => served.some((id) => id === model || id === `${model}:latest`);

/** Rough count when a server reports no usage: about 4 characters per token. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  // What errors and info() name: never the query or userinfo, where a key may hide.
  const shown = shownUrl(baseUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const client = new OpenAI({
    baseURL: baseUrl,
    // Servers without auth (vLLM, llama.cpp, Ollama) ignore the header; the SDK needs a value.
    apiKey: options.apiKey ?? "none",
    // Retries are the provider's own (retry-policy.ts): the SDK's cut a long Retry-After short.
    maxRetries: 0,
    timeout: timeoutMs,
    logLevel: "off",
    // The SDK would otherwise read an answer of any size into memory (capped-fetch.ts).
    fetch: cappedFetch(options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES),
  });
  // OpenAI's own API wants max_completion_tokens (reasoning models reject max_tokens); the
  // compatible servers know max_tokens.
  const isOpenAi = /^https:\/\/api\.openai\.com(\/|$)/.test(baseUrl);
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  let contextSize = options.contextSize;
  let closed = false;

  async function run(request: GenerateRequest, onText?: (text: string) => void): Promise<GenerateResult> {
    validateRequest(request);
    if (closed) throw new LlmError("CLOSED", `the provider for ${shown} is closed`);
    const started = performance.now();
    const deadline = request.timeoutMs ?? timeoutMs;
    const stopper = new AbortController();
    let stopped: StopCause;
    const onAbort = () => {
      stopped ??= "abort";
      stopper.abort();
    };
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => {
      stopped ??= "timeout";
      stopper.abort();
    }, deadline);

    const stream = onText !== undefined;
    const sampling = {
      model: options.model,
      ...(request.maxTokens !== undefined
        ? isOpenAi && request.messages
          ? { max_completion_tokens: request.maxTokens }
          : { max_tokens: request.maxTokens }
        : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      ...(request.stop?.length ? { stop: request.stop } : {}),
    };
    const callOptions = { signal: stopper.signal, timeout: deadline };
    let text = "";
    let finish: string | null | undefined;
    let usage: Usage | undefined;
    let model = options.model;
    let firstTokenAt: number | undefined;
    let chunks = 0;
    const take = (piece: string | null | undefined) => {
      if (!piece) return;
      firstTokenAt ??= performance.now();
      chunks++;
      text += piece;
      onText?.(piece);
    };

    /** One try; those that fail before any text are retried while the policy allows (retry-policy.ts). */
    const attempt = async () => {
      if (!stream) {
        // Read as unknown: the SDK passes on whatever the server sent (see response-shape.ts).
        const response: unknown = request.messages
          ? await client.chat.completions.create({ ...sampling, messages: request.messages }, callOptions)
          : await client.completions.create({ ...sampling, prompt: request.prompt }, callOptions);
        const completion = completionOf(response, request.messages ? "chat" : "text");
        take(completion.text);
        finish = completion.finish;
        usage = completion.usage;
        model = completion.model ?? model;
      } else {
        const streamOptions = { stream: true as const, stream_options: { include_usage: true } };
        const events: AsyncIterable<unknown> = request.messages
          ? await client.chat.completions.create(
              { ...sampling, ...streamOptions, messages: request.messages },
              callOptions,
            )
          : await client.completions.create({ ...sampling, ...streamOptions, prompt: request.prompt }, callOptions);
        let choices = 0;
        for await (const event of events) {
          const chunk = chunkOf(event, request.messages ? "chat" : "text");
          if (chunk.hasChoice) choices++;
          take(chunk.text);
          finish = chunk.finish ?? finish;
          if (chunk.usage) usage = chunk.usage;
          if (chunk.model) model = chunk.model;
        }
        // The SDK ends a stream quietly when its signal fires: say why it ended.
        if (stopped) throw new Error(`stream stopped (${stopped})`);
        if (choices === 0) throw new InvalidResponse("a stream that ended without a completion");
      }
    };

    try {
      for (let retriesDone = 0; ; retriesDone++) {
        try {
          await attempt();
          break;
        } catch (error) {
          if (stopped || chunks > 0) throw error;
          const timeLeftMs = deadline - (performance.now() - started);
          const delay = nextRetryDelay(error, { retriesDone, maxRetries, timeLeftMs });
          if (delay === undefined) throw error;
          // Ends early (and the loop with it) when the caller aborts or the deadline passes.
          await sleep(delay, stopper.signal);
          if (stopped) throw error;
        }
      }
    } catch (error) {
      // A reader who stops a stream keeps what already arrived.
      if (stopped === "abort" && stream && chunks > 0) finish = "abort";
      else throw toUpstreamError(error, shown, stopped, deadline);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }

    const promptText = request.messages ? request.messages.map((m) => m.content).join("\n") : request.prompt;
    return {
      text,
      promptTokens: usage?.prompt_tokens ?? estimateTokens(promptText),
      completionTokens: usage?.completion_tokens ?? chunks,
      finishReason: finish === "abort" ? "abort" : finishReasonOf(finish),
      model,
      timing: {
        queueMs: 0,
        firstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - started,
        totalMs: performance.now() - started,
      },
    };
  }

  return {
    info(): ProviderInfo {
      return {
        provider: options.kind ?? "openai",
        model: options.model,
        contextSize,
        accelerator: "remote",
        baseUrl: shown,
      };
    },
    measure(request): PromptMeasure {
      validateRequest(request);
      const promptTokens = estimatePromptTokens(request);
      const room = contextSize === undefined ? undefined : contextSize - promptTokens;
      return { promptTokens, exact: false, contextSize, room };
    },
    async check(checkOptions = {}) {
      if (closed) throw new LlmError("CLOSED", `the provider for ${shown} is closed`);
      const deadline = checkOptions.timeoutMs ?? Math.min(timeoutMs, CHECK_TIMEOUT_MS);
      const stopper = new AbortController();
      let stopped: StopCause;
      const onAbort = () => {
        stopped ??= "abort";
        stopper.abort();
      };
      if (checkOptions.signal?.aborted) onAbort();
      checkOptions.signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(() => {
        stopped ??= "timeout";
        stopper.abort();
      }, deadline);
      try {
        const page: unknown = await client.models.list({ signal: stopper.signal, timeout: deadline });
        // A window configured by the operator wins over the one the server reports.
        if (options.contextSize === undefined) contextSize = reportedContextSize(page, options.model) ?? contextSize;
        // A model the server does not list is one every call would be refused (vLLM's 404).
        const served = servedModels(page);
        if (served !== undefined && !isServed(served, options.model)) {
          const listed =
            served.length > 5 ? `${served.slice(0, 5).join(", ")} and ${served.length - 5} more` : served.join(", ");
          throw new LlmError(
            "MODEL_NOT_FOUND",
            `model ${options.model} is not served by the LLM server; it serves: ${listed}`,
            { url: shown, model: options.model, served },
          );
        }
      } catch (error) {
        // A server without a model list (some proxies) answered, and took the key: nothing to learn.
        if (error instanceof APIError && error.status === 404) return;
        throw toUpstreamError(error, shown, stopped, deadline);
      } finally {
        clearTimeout(timer);
        checkOptions.signal?.removeEventListener("abort", onAbort);
      }
    },
    generate: (request) => run(request),
    stream: (request): AsyncIterable<StreamEvent> => streamGeneration(run, request),
    async close() {
      closed = true;
    },
  };
}
