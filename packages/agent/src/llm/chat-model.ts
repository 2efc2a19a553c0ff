// The slice of an LLM provider the agent needs. @pithead/llm's providers (embedded GGUF,
// OpenAI-compatible) satisfy it; keeping it narrow keeps the components testable on their own.

import type { ChatMessage } from "../components/prompt-builders.ts";

export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** Aborted when the request times out or the client goes away. */
  signal?: AbortSignal;
  /** The time left for this request, so a provider's own deadline never outlives it. */
  timeoutMs?: number;
}

export interface ChatResult {
  text: string;
  finishReason: "stop" | "length" | "abort";
}

/** How a prompt fits the model's context window (@pithead/llm's PromptMeasure). */
export interface PromptFit {
  promptTokens: number;
  /** Counted with the model's tokenizer, or estimated (an HTTP server). */
  exact: boolean;
  contextSize: number | undefined;
  /** Tokens left for the answer; undefined when the window is unknown. */
  room: number | undefined;
}

export interface ChatModel {
  info(): { provider: string; model: string; contextSize?: number };
  generate(request: ChatRequest): Promise<ChatResult>;
  /** Without it, the stored history is not cut to fit a context window (components/fit-history.ts). */
  measure?(request: { messages: ChatMessage[] }): PromptFit;
  /**
   * A cheap check that the backend can serve (no generation), for /health; without it, /health
   * knows only how the last model calls went.
   */
  check?(options?: { timeoutMs?: number }): Promise<void>;
}
