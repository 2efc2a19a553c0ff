// One model call on behalf of a request, bounded by the request's deadline.

import type { ComponentContext } from "./component-context.ts";
import type { ChatMessage } from "./prompt-builders.ts";

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
  return result.text;
}
