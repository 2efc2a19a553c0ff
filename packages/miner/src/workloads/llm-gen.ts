// llm_gen: text generation on @pithead/llm's providers — a GGUF model in-process (GPU layers
// when there is a GPU) or an OpenAI-compatible server. Output: the generated text. Metrics:
// tokens, prompt_tokens, tokens_per_s, seconds, model, and on a GPU the energy integrated from
// nvidia-smi power samples and tokens_per_kJ (with several jobs at once on one GPU, each job's
// energy is the whole board's over its run, so it over-counts; run one slot for clean figures).
//
// Params: {prompt | messages, max_tokens?, temperature?, seed?, stop?, model?}. Defaults are
// deterministic (temperature 0) so replicas of a job agree on output_sha.

import {
  type ChatMessage,
  createProvider,
  type GenerateProgress,
  type GenerateRequest,
  isLlmError,
  type LlmProvider,
  type ProviderConfig,
  sampleGpuPower,
} from "@pithead/llm";
import type { LeasedJob } from "../net/coordinator-client.ts";
import {
  type Availability,
  intParam,
  type MachineView,
  numberParam,
  paramsOf,
  stringParam,
  type Workload,
  type WorkloadContext,
  WorkloadError,
  type WorkloadResult,
} from "./workload.ts";

export interface LlmGenOptions {
  provider: ProviderConfig["provider"];
  /** local: .gguf path (default: the tiny model under dataDir/models); openai/vllm: model id. */
  model: string | undefined;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  contextSize: number | undefined;
  /** local: where the default tiny model is written (WORK_DIR). */
  dataDir: string;
  /** Concurrent generations (MAX_CONCURRENCY). */
  parallel: number;
  /** Test seam: how a provider is made (default @pithead/llm's createProvider). */
  createProvider?: (config: ProviderConfig) => Promise<LlmProvider>;
}

const DEFAULT_MAX_TOKENS = 256;
const MAX_PROMPT_CHARS = 1_000_000;

function readMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new WorkloadError("BAD_PARAMS", "params.messages must be a non-empty array");
  return value.map((message, index) => {
    const m = message as { role?: unknown; content?: unknown } | null;
    if (typeof m !== "object" || m === null || !["system", "user", "assistant"].includes(m.role as string)) {
      throw new WorkloadError("BAD_PARAMS", `params.messages[${index}].role must be system, user or assistant`);
    }
    if (typeof m.content !== "string")
      throw new WorkloadError("BAD_PARAMS", `params.messages[${index}].content must be a string`);
    return { role: m.role as ChatMessage["role"], content: m.content };
  });
}

function readStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length > 16 || list.some((s) => typeof s !== "string" || s === "")) {
    throw new WorkloadError("BAD_PARAMS", "params.stop must be a non-empty string or up to 16 of them");
  }
  return list as string[];
}

/** Validates llm_gen params into a provider request (without the signal). */
export function llmRequest(job: LeasedJob): GenerateRequest {
  const params = paramsOf(job);
  const prompt = stringParam(params, "prompt", MAX_PROMPT_CHARS);
  const hasMessages = params.messages !== undefined && params.messages !== null;
  if ((prompt === undefined) === !hasMessages) {
    throw new WorkloadError("BAD_PARAMS", "params needs exactly one of prompt (a string) or messages (a chat)");
  }
  const options = {
    maxTokens: intParam(params, "max_tokens", 1, 1 << 20, DEFAULT_MAX_TOKENS),
    temperature: numberParam(params, "temperature", 0, 2) ?? 0,
    seed: intParam(params, "seed", 0, 2 ** 32 - 1),
    stop: readStop(params.stop),
  };
  return prompt !== undefined ? { prompt, ...options } : { messages: readMessages(params.messages), ...options };
}

/**
 * How long a generation still runs if it goes to its token limit, at the pace so far (an upper
 * bound: the model may end the text sooner). Infinity until two tokens give a pace.
 */
export function remainingMs(progress: GenerateProgress): number {
  const { completionTokens, maxTokens, sinceFirstTokenMs } = progress;
  if (completionTokens < 2) return Number.POSITIVE_INFINITY;
  const msPerToken = sinceFirstTokenMs / (completionTokens - 1);
  return Math.max(0, maxTokens - completionTokens) * msPerToken;
}

function mapLlmError(error: unknown): unknown {
  if (!isLlmError(error)) return error;
  switch (error.code) {
    case "MODEL_TOO_LARGE":
      return new WorkloadError("INSUFFICIENT_MEMORY", error.message, { cause: error });
    case "INVALID_REQUEST":
    case "CONTEXT_OVERFLOW":
      return new WorkloadError("BAD_PARAMS", error.message, { cause: error });
    case "UPSTREAM_UNREACHABLE":
    case "UPSTREAM_TIMEOUT":
      return new WorkloadError("BACKEND_UNAVAILABLE", error.message, { cause: error });
    case "MODEL_NOT_FOUND":
    case "MODEL_CORRUPT":
      return new WorkloadError("MODEL_NOT_AVAILABLE", error.message, { cause: error });
    default:
      return new WorkloadError("BACKEND_ERROR", `${error.message} [${error.code}]`, { cause: error });
  }
}

export class LlmGenWorkload implements Workload {
  readonly name = "llm_gen";
  readonly #options: LlmGenOptions;
  #provider: Promise<LlmProvider> | undefined;
  #accel: "gpu" | "cpu" = "cpu";

  constructor(options: LlmGenOptions) {
    this.#options = options;
  }

  #load(machine: MachineView): Promise<LlmProvider> {
    this.#accel = machine.accel;
    const o = this.#options;
    const config: ProviderConfig =
      o.provider === "local"
        ? {
            provider: "local",
            modelPath: o.model,
            dataDir: o.dataDir,
            gpu: machine.accel === "gpu" ? "auto" : "cpu",
            contextSize: o.contextSize,
            parallel: o.parallel,
          }
        : { provider: o.provider, baseUrl: o.baseUrl, apiKey: o.apiKey, model: o.model, contextSize: o.contextSize };
    this.#provider ??= (o.createProvider ?? createProvider)(config);
    // A failed load is not cached: the next detect (a later start, doctor) tries again.
    this.#provider.catch(() => {
      this.#provider = undefined;
    });
    return this.#provider;
  }

  async detect(machine: MachineView): Promise<Availability> {
    try {
      const provider = await this.#load(machine);
      const info = provider.info();
      if (info.provider !== "local") {
        const problem = await this.#checkServer(info.baseUrl ?? "", info.model);
        if (problem) return { available: false, reason: problem };
      }
      const where = info.provider === "local" ? `${info.modelPath} on ${info.accelerator}` : `${info.baseUrl}`;
      return { available: true, reason: `${info.provider} model ${info.model} (${where})`, models: [info.model] };
    } catch (error) {
      const message = isLlmError(error) ? `${error.message} [${error.code}]` : (error as Error).message;
      return { available: false, reason: `cannot load the ${this.#options.provider} model: ${message}` };
    }
  }

  /** An OpenAI-compatible server is usable when it answers GET /models (and lists the model, if it lists any). */
  async #checkServer(baseUrl: string, model: string): Promise<string | undefined> {
    const headers: Record<string, string> = this.#options.apiKey
      ? { authorization: `Bearer ${this.#options.apiKey}` }
      : {};
    try {
      const response = await fetch(`${baseUrl.replace(/\/+$/, "")}/models`, {
        headers,
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) return `${baseUrl}/models answered ${response.status}`;
      const body = (await response.json().catch(() => ({}))) as { data?: { id?: unknown }[] };
      const ids = Array.isArray(body.data) ? body.data.map((m) => m.id) : [];
      if (ids.length > 0 && !ids.includes(model))
        return `${baseUrl} does not serve model ${model} (it lists ${ids.slice(0, 5).join(", ")})`;
      return undefined;
    } catch (error) {
      return `${baseUrl} is unreachable (${(error as Error).message})`;
    }
  }

  async run(job: LeasedJob, ctx: WorkloadContext): Promise<WorkloadResult> {
    const request = llmRequest(job);
    if (!this.#provider) throw new WorkloadError("BACKEND_UNAVAILABLE", "llm_gen is not loaded on this miner");
    const provider = await this.#provider;
    const model = provider.info().model;
    const wanted = stringParam(paramsOf(job), "model", 200);
    if (wanted !== undefined && wanted !== model) {
      throw new WorkloadError("MODEL_NOT_AVAILABLE", `this miner serves model ${model}, not ${wanted}`);
    }
    const power = this.#accel === "gpu" ? sampleGpuPower({ intervalMs: 100 }) : undefined;
    const started = performance.now();
    let result: Awaited<ReturnType<LlmProvider["generate"]>>;
    try {
      const endsIn = ctx.endsIn;
      const onProgress = endsIn ? (progress: GenerateProgress) => endsIn(remainingMs(progress)) : undefined;
      result = await provider.generate({ ...request, signal: ctx.signal, ...(onProgress ? { onProgress } : {}) });
    } catch (error) {
      await power?.stop();
      throw ctx.signal.aborted ? ctx.signal.reason : mapLlmError(error);
    }
    const seconds = (performance.now() - started) / 1000;
    const energy = await power?.stop();
    // The provider ends an aborted generation with the text so far; that is not a result.
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const tokens = result.completionTokens;
    const metrics: WorkloadResult["metrics"] = {
      tokens,
      prompt_tokens: result.promptTokens,
      tokens_per_s: seconds > 0 ? Math.round((tokens / seconds) * 100) / 100 : 0,
      seconds: Math.round(seconds * 1000) / 1000,
      model: result.model,
      finish_reason: result.finishReason,
    };
    if (energy && energy.joules > 0) {
      metrics.energy_j = Math.round(energy.joules * 100) / 100;
      metrics.avg_watts = Math.round(energy.averageWatts * 10) / 10;
      metrics.tokens_per_kJ = Math.round((tokens / (energy.joules / 1000)) * 100) / 100;
    }
    return { output: result.text, contentType: "text/plain; charset=utf-8", metrics };
  }

  async close(): Promise<void> {
    const provider = this.#provider;
    this.#provider = undefined;
    if (provider) await (await provider.catch(() => undefined))?.close();
  }
}
