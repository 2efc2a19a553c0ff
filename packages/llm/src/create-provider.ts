// One factory from configuration to a provider, validating every setting up front and naming
// the bad one, so a service fails at start with a clear line instead of on its first request.

import { join } from "node:path";
import { LlmError } from "./errors.ts";
import { loadEmbeddedModel } from "./local/embedded-model.ts";
import type { GpuMode } from "./local/llama-runtime.ts";
import { createLocalProvider } from "./local/local-provider.ts";
import { createOpenAiProvider } from "./openai/openai-provider.ts";
import { pastedEndpoint } from "./openai/pasted-endpoint.ts";
import { hasUserinfo, shownUrl } from "./openai/shown-url.ts";
import { timeoutProblem } from "./request-validation.ts";
import { ensureTinyModel } from "./tiny-model/tiny-model.ts";
import type { LlmProvider, ProviderKind } from "./types.ts";

export interface ProviderConfig {
  provider: ProviderKind;
  /** local: the GGUF file. Default: the tiny model, written under `<dataDir>/models/` if missing. */
  modelPath?: string;
  /** local: where the default tiny model lives (default "./data"). */
  dataDir?: string;
  /** local: "auto" (default) uses CUDA/Vulkan when usable and falls back to the CPU. */
  gpu?: GpuMode;
  /** local: layers offloaded to the GPU (default "auto": as many as fit). */
  gpuLayers?: number | "auto" | "max";
  /**
   * Tokens per request, prompt plus output. local: the context to allocate (default up to 16384,
   * less if memory is short). openai/vllm: the served model's window, when the server does not
   * report it (measure()).
   */
  contextSize?: number;
  /** local: requests decoded together (sequences of the shared context), default 4. */
  parallel?: number;
  /** local: requests allowed to wait for a sequence (default 256); more get QUEUE_FULL. */
  maxQueue?: number;
  /** local: CPU threads (default 1 for tiny models, else llama.cpp's choice). */
  threads?: number;
  /** local: tokens per llama.cpp batch. */
  batchSize?: number;
  /** openai/vllm: API base URL (openai default https://api.openai.com/v1; required for vllm). */
  baseUrl?: string;
  /** openai/vllm: sent as a bearer token; required for api.openai.com. */
  apiKey?: string;
  /** openai/vllm: model id (required). local: the name reported for the model. */
  model?: string;
  /** Deadline per request in ms (openai/vllm default 60 000; local default none). */
  timeoutMs?: number;
  /** openai/vllm: retries after 429/5xx/connection failures (default 2). */
  maxRetries?: number;
  /** openai/vllm: largest answer body read, in bytes (default 64 MiB); a larger one is UPSTREAM_INVALID. */
  maxResponseBytes?: number;
}

const OPENAI_URL = "https://api.openai.com/v1";

function bad(field: string, message: string): LlmError {
  return new LlmError("INVALID_CONFIG", `${field} ${message}`, { field });
}

function checkInteger(config: ProviderConfig, field: keyof ProviderConfig, min: number, max: number): void {
  const value = config[field];
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw bad(field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
}

function checkUrl(field: string, value: string): void {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw bad(field, `must be an http(s) URL (got ${JSON.stringify(shownUrl(value))})`);
  // fetch refuses such a URL on every call; the password would reach errors and logs.
  if (hasUserinfo(value))
    throw bad(field, "must not contain a user name or password: send the key as apiKey (a bearer token)");
  const pasted = pastedEndpoint(url);
  if (pasted !== undefined)
    throw bad(
      field,
      `is an endpoint, not the server's base URL: use ${pasted.base} (the client adds /chat/completions)`,
    );
}

/** Throws INVALID_CONFIG naming the first bad setting. */
export function validateConfig(config: ProviderConfig): void {
  if (typeof config !== "object" || config === null) throw bad("config", "must be an object");
  if (!["local", "openai", "vllm"].includes(config.provider)) {
    throw bad("provider", `must be "local", "openai" or "vllm" (got ${JSON.stringify(config.provider)})`);
  }
  const timeout = config.timeoutMs === undefined ? undefined : timeoutProblem(config.timeoutMs);
  if (timeout !== undefined) throw bad("timeoutMs", timeout);
  if (config.model !== undefined && (typeof config.model !== "string" || config.model.trim() === "")) {
    throw bad("model", "must be a non-empty string");
  }
  if (config.provider === "local") {
    if (config.modelPath !== undefined && (typeof config.modelPath !== "string" || config.modelPath === "")) {
      throw bad("modelPath", "must be a path to a .gguf file");
    }
    if (config.gpu !== undefined && !["auto", "cpu", "cuda"].includes(config.gpu)) {
      throw bad("gpu", `must be "auto", "cpu" or "cuda" (got ${JSON.stringify(config.gpu)})`);
    }
    if (config.gpuLayers !== undefined && config.gpuLayers !== "auto" && config.gpuLayers !== "max") {
      checkInteger(config, "gpuLayers", 0, 10_000);
    }
    checkInteger(config, "contextSize", 32, 1 << 21);
    checkInteger(config, "parallel", 1, 1024);
    checkInteger(config, "maxQueue", 0, 1_000_000);
    checkInteger(config, "threads", 1, 1024);
    checkInteger(config, "batchSize", 1, 1 << 20);
    return;
  }
  checkInteger(config, "contextSize", 32, 1 << 24);
  const baseUrl = config.baseUrl ?? (config.provider === "openai" ? OPENAI_URL : undefined);
  if (baseUrl === undefined)
    throw bad("baseUrl", `is required for provider "${config.provider}" (e.g. http://127.0.0.1:8000/v1)`);
  checkUrl("baseUrl", baseUrl);
  if (config.model === undefined) throw bad("model", `is required for provider "${config.provider}"`);
  if (baseUrl.startsWith(OPENAI_URL) && !config.apiKey) throw bad("apiKey", `is required for ${OPENAI_URL}`);
  checkInteger(config, "maxRetries", 0, 20);
  checkInteger(config, "maxResponseBytes", 1024, 2 ** 30);
}

export async function createProvider(config: ProviderConfig): Promise<LlmProvider> {
  validateConfig(config);
  if (config.provider !== "local") {
    return createOpenAiProvider({
      kind: config.provider,
      baseUrl: config.baseUrl ?? OPENAI_URL,
      model: config.model as string,
      apiKey: config.apiKey,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      contextSize: config.contextSize,
      maxResponseBytes: config.maxResponseBytes,
    });
  }
  const modelPath = config.modelPath ?? ensureTinyModel(join(config.dataDir ?? "./data", "models"));
  const embedded = await loadEmbeddedModel({
    modelPath,
    gpu: config.gpu,
    gpuLayers: config.gpuLayers,
    contextSize: config.contextSize,
    parallel: config.parallel,
    threads: config.threads,
    batchSize: config.batchSize,
  });
  return createLocalProvider(embedded, {
    maxQueue: config.maxQueue,
    timeoutMs: config.timeoutMs,
    modelName: config.model,
  });
}
