// Checks a generate request before any work starts, naming the offending field, so bad input
// from a job or an HTTP body is a clear INVALID_REQUEST rather than a crash deep in llama.cpp.

import { LlmError } from "./errors.ts";
import type { GenerateRequest } from "./types.ts";

const roles = new Set(["system", "user", "assistant"]);
export const MAX_STOP_SEQUENCES = 16;
/**
 * The longest deadline: what a Node timer holds (2^31 - 1 ms, 24.8 days). Past it a timer fires at
 * once, so a "no limit" timeout of 9999999999 ms timed every call out immediately.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Why a deadline setting is refused, or undefined when it is fine. */
export function timeoutProblem(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0 && value <= MAX_TIMEOUT_MS) return undefined;
  return `must be a positive number of milliseconds, at most ${MAX_TIMEOUT_MS} (24.8 days) (got ${JSON.stringify(value)})`;
}

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
  const timeout = timeoutMs === undefined ? undefined : timeoutProblem(timeoutMs);
  if (timeout !== undefined) throw invalid("timeoutMs", timeout);
  if (onProgress !== undefined && typeof onProgress !== "function") throw invalid("onProgress", "must be a function");
}
