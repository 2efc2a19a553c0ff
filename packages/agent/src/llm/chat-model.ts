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

export interface ChatModel {
  info(): { provider: string; model: string };
  generate(request: ChatRequest): Promise<ChatResult>;
}
