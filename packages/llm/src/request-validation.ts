// Checks a generate request before any work starts, naming the offending field, so bad input
// from a job or an HTTP body is a clear INVALID_REQUEST rather than a crash deep in llama.cpp.

import { LlmError } from "./errors.ts";
import type { GenerateRequest } from "./types.ts";

const roles = new Set(["system", "user", "assistant"]);
export const MAX_STOP_SEQUENCES = 16;

function invalid(field: string, message: string): LlmError {
  return new LlmError("INVALID_REQUEST", `${field} ${message}`, { field });
}

export function validateRequest(request: GenerateRequest): void {
  if (typeof request !== "object" || request === null) throw invalid("request", "must be an object");
  const hasPrompt = request.prompt !== undefined;
  const hasMessages = request.messages !== undefined;
  if (hasPrompt === hasMessages) {
    throw invalid(
      hasPrompt ? "prompt" : "messages",
      "— give either `prompt` (raw completion) or `messages` (chat), not both or neither",
    );
  }
  if (hasPrompt && typeof request.prompt !== "string") throw invalid("prompt", "must be a string");
  if (hasMessages) {
    const messages: unknown = request.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw invalid("messages", "must be a non-empty array");
    messages.forEach((message: unknown, i) => {
      const m = message as { role?: unknown; content?: unknown } | null;
      if (typeof m !== "object" || m === null) throw invalid(`messages[${i}]`, "must be an object");
      if (typeof m.role !== "string" || !roles.has(m.role)) {
        throw invalid(`messages[${i}].role`, `must be "system", "user" or "assistant" (got ${JSON.stringify(m.role)})`);
      }
      if (typeof m.content !== "string") throw invalid(`messages[${i}].content`, "must be a string");
    });
  }
  const { maxTokens, temperature, topP, seed, stop, timeoutMs, onProgress } = request;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw invalid("maxTokens", `must be a whole number ≥ 1 (got ${maxTokens})`);
  }
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0 && temperature <= 2)) {
    throw invalid("temperature", `must be between 0 and 2 (got ${temperature})`);
  }
  if (topP !== undefined && !(Number.isFinite(topP) && topP > 0 && topP <= 1)) {
    throw invalid("topP", `must be in (0, 1] (got ${topP})`);
  }
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw invalid("seed", `must be a whole number from 0 to 4294967295 (got ${seed})`);
  }
  if (stop !== undefined) {
    if (!Array.isArray(stop) || stop.length > MAX_STOP_SEQUENCES) {
      throw invalid("stop", `must be an array of at most ${MAX_STOP_SEQUENCES} strings`);
    }
    stop.forEach((s: unknown, i) => {
      if (typeof s !== "string" || s.length === 0) throw invalid(`stop[${i}]`, "must be a non-empty string");
    });
  }
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw invalid("timeoutMs", `must be a positive number of milliseconds (got ${timeoutMs})`);
  }
  if (onProgress !== undefined && typeof onProgress !== "function") throw invalid("onProgress", "must be a function");
}
