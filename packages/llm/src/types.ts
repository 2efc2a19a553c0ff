// The provider contract shared by the embedded (GGUF in-process) and the OpenAI-compatible
// providers. The miner's `llm_gen` uses raw prompts; the agent uses chat messages.

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Sampling and limits, common to chat and raw requests. */
export interface GenerateOptions {
  /**
   * Most tokens to generate. Default: until the model ends the text or a stop sequence
   * matches, bounded by the room left in the context window (local) or the server's
   * default (OpenAI-compatible).
   */
  maxTokens?: number;
  /**
   * 0 is greedy decoding: the same prompt always gives the same text. Local default 0;
   * HTTP providers send it only when set (some OpenAI models accept no other value than their default).
   */
  temperature?: number;
  /** Nucleus sampling threshold in (0, 1]; only used when temperature > 0. */
  topP?: number;
  /** Seed for sampling when temperature > 0, for repeatable samples. */
  seed?: number;
  /** Text sequences that end generation; the matched sequence is not part of `text`. */
  stop?: string[];
  /**
   * Aborting before any text was generated rejects with ABORTED; aborting later resolves
   * with the text so far and finishReason "abort".
   */
  signal?: AbortSignal;
  /**
   * Deadline for the whole call in ms (queue wait, retries and streaming included).
   * Past it the call rejects with TIMEOUT (local) or UPSTREAM_TIMEOUT (HTTP).
   * Defaults to the provider's timeoutMs.
   */
  timeoutMs?: number;
  /**
   * Local provider: called as tokens come, so a caller can tell how long the rest will take (the
   * miner claims its next job that much ahead). HTTP providers do not call it.
   */
  onProgress?: (progress: GenerateProgress) => void;
}

/** How far a local generation is (GenerateOptions.onProgress). */
export interface GenerateProgress {
  /** Tokens generated so far. */
  completionTokens: number;
  /** Most tokens this generation may produce (the request's maxTokens, or the room in the context). */
  maxTokens: number;
  /** From the first generated token to now. */
  sinceFirstTokenMs: number;
}

/** A chat request: the model's chat template is applied. */
export interface ChatRequest extends GenerateOptions {
  messages: ChatMessage[];
  prompt?: undefined;
}

/** A raw completion request: the text is continued as is, no chat template. */
export interface CompletionRequest extends GenerateOptions {
  prompt: string;
  messages?: undefined;
}

export type GenerateRequest = ChatRequest | CompletionRequest;

/** stop: the model ended the text or a stop sequence matched; length: maxTokens or the context ran out. */
export type FinishReason = "stop" | "length" | "abort";

export interface GenerateTiming {
  /** Time spent waiting for a free sequence (local) — 0 for HTTP providers. */
  queueMs: number;
  /** From the start of the call to the first generated text (prompt evaluation included). */
  firstTokenMs: number | undefined;
  /** From the start of the call to the end of generation. */
  totalMs: number;
}

export interface GenerateResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: FinishReason;
  /** The model that answered (file name for local models, the server's model id otherwise). */
  model: string;
  timing: GenerateTiming;
}

export type StreamEvent = { type: "text"; text: string } | { type: "done"; result: GenerateResult };

export type ProviderKind = "local" | "openai" | "vllm";

export interface ProviderInfo {
  provider: ProviderKind;
  model: string;
  /** Tokens one request can use (prompt + output); undefined when the server does not say. */
  contextSize: number | undefined;
  /** Where the model runs: a local GPU backend, the CPU, or a remote server. */
  accelerator: "cuda" | "vulkan" | "metal" | "cpu" | "remote";
  /** Local only: the GGUF file, the layers offloaded to the GPU, concurrent sequences, queue bound. */
  modelPath?: string;
  gpuLayers?: number;
  parallel?: number;
  maxQueue?: number;
  /** HTTP only: the server's base URL. */
  baseUrl?: string;
}

/** How a request's prompt fits the context window (LlmProvider.measure). */
export interface PromptMeasure {
  /** Tokens the prompt takes, chat template included. */
  promptTokens: number;
  /** True when counted with the model's own tokenizer (local); false for an estimate (HTTP). */
  exact: boolean;
  /** Tokens per request (prompt + output); undefined while the server's window is unknown. */
  contextSize: number | undefined;
  /** Tokens left for the answer (may be 0 or less: the prompt does not fit); undefined with contextSize. */
  room: number | undefined;
}

export interface LlmProvider {
  info(): ProviderInfo;
  /**
   * How the request's prompt fits the context window, without generating anything: exact for a
   * local model (its tokenizer and chat template), an estimate for an HTTP server (README).
   */
  measure(request: GenerateRequest): PromptMeasure;
  /**
   * Whether the backend can serve, without generating (no tokens spent): a local model is loaded,
   * so it can; an HTTP provider lists the server's models (GET /models) — learning the model's
   * context window where the server reports it (vLLM's max_model_len). Rejects with the LlmError a
   * call would meet (unreachable, key refused, model not served).
   */
  check(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
  /** Runs one request to completion. */
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /**
   * Runs one request and yields its text as it is generated, then one `done` event with
   * the same result `generate` would give. Leaving the loop early stops the generation.
   */
  stream(request: GenerateRequest): AsyncIterable<StreamEvent>;
  /** Frees the model (local) or the HTTP client; pending and later calls fail with CLOSED. */
  close(): Promise<void>;
}
