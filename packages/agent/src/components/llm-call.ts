// One model call on behalf of a request, bounded by the request's deadline.

import type { ComponentContext } from "./component-context.ts";
import type { ChatMessage } from "./prompt-builders.ts";

/** The model answered nothing (or only whitespace); api/upstream-errors.ts makes it a 502. */
export class EmptyAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmptyAnswerError";
  }
}

export async function askModel(
  context: ComponentContext,
  messages: ChatMessage[],
  temperature: number,
  maxTokens = context.maxTokens,
): Promise<string> {
  const result = await context.model.generate({
    messages,
    temperature,
    maxTokens,
    signal: context.signal,
    // Whole milliseconds: the OpenAI SDK refuses a fractional timeout.
    timeoutMs: Math.max(1, Math.ceil(context.timeLeftMs())),
  });
  // A local model stopped by the signal returns its partial text: that is not an answer.
  context.signal.throwIfAborted();
  // An empty completion is a failed call, not an answer: answering "" would look like success to the
  // orchestrator, and the history would keep a question without its reply.
  if (result.text.trim() === "") {
    const spent = result.finishReason === "length" ? `: MAX_TOKENS (${maxTokens}) ran out before any text` : "";
    throw new EmptyAnswerError(`LLM returned an empty answer (finish reason: ${result.finishReason}${spent})`);
  }
  return result.text;
}
