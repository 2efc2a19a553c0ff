// Stored history cut to fit the model's context window. The window holds the system prompt, the
// history, the current request and the answer (up to MAX_TOKENS): the history gets what is left,
// newest exchanges first (the kept part starts at a question), so an old long exchange never makes
// a request fail that fits on its own.
// Only a request that cannot fit even without history is refused, and the error says so.

import type { ChatModel, PromptFit } from "../llm/chat-model.ts";
import { type ChatMessage, chatMessages, type Prompt } from "./prompt-builders.ts";
import type { HistoryMessage } from "./types.ts";

/** The request alone does not fit the context window: a 422 on `input` (api/upstream-errors.ts). */
export class InputTooLongError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputTooLongError";
  }
}

export interface FittedChat {
  messages: ChatMessage[];
  /** MAX_TOKENS, or less when the window has less room left for the answer. */
  maxTokens: number;
  /** Stored messages left out (no room in the window, or an answer whose question was cut off). */
  droppedMessages: number;
}

/**
 * The stored history from its first question on. SMART_HISTORY_COUNT takes the last N messages
 * whatever their role: a strict chat template (Mistral, Gemma) refuses a conversation whose first
 * turn after the system prompt is the assistant's.
 */
export function fromFirstQuestion(history: HistoryMessage[]): HistoryMessage[] {
  const first = history.findIndex((message) => message.role === "user");
  return first === -1 ? [] : history.slice(first);
}

/**
 * Said at start when MAX_TOKENS, reserved for the answer on every request, leaves less than a
 * quarter of a known window for the prompt: stored history then has no room and is never sent.
 */
export function historyRoomWarning(
  contextSize: number | undefined,
  maxTokens: number,
  provider: string,
): string | undefined {
  if (contextSize === undefined || contextSize - maxTokens >= contextSize / 4) return undefined;
  const left = Math.max(0, contextSize - maxTokens);
  return (
    `MAX_TOKENS=${maxTokens} leaves ${left} of the model's ${contextSize}-token window for the prompt: ` +
    `conversation history will mostly not be sent (and answers to long inputs get fewer tokens); ` +
    `lower MAX_TOKENS${provider === "local" ? " or raise LOCAL_CONTEXT_SIZE" : ", or serve the model with a larger window"}`
  );
}

/** The setting that sizes the window, for the error's advice. */
const contextSetting = (provider: string) => (provider === "local" ? "LOCAL_CONTEXT_SIZE" : "LLM_CONTEXT_SIZE");

export function fitHistory(model: ChatModel, prompt: Prompt, stored: HistoryMessage[], maxTokens: number): FittedChat {
  const history = fromFirstQuestion(stored);
  const withAll = stored.length - history.length;
  const all = chatMessages(prompt, history);
  const measure = model.measure?.bind(model);
  if (!measure) return { messages: all, maxTokens, droppedMessages: withAll };
  const whole = measure({ messages: all });
  // An unknown window (an HTTP server that does not say): nothing to fit to.
  if (whole.room === undefined || whole.room >= maxTokens) {
    return { messages: all, maxTokens, droppedMessages: withAll };
  }

  const bare = chatMessages(prompt, []);
  const alone = history.length === 0 ? whole : measure({ messages: bare });
  if (alone.room === undefined || alone.room < 1) throw tooLong(model, alone);

  // Where the kept history may start: at a question, so no answer is kept without it.
  const cuts: number[] = [];
  for (let index = 1; index < history.length; index++) if (history[index]?.role === "user") cuts.push(index);
  // Dropping older messages never makes the prompt longer: find the fewest to drop.
  let low = 0;
  let high = cuts.length - 1;
  let best: { fit: PromptFit; messages: ChatMessage[]; kept: number } = { fit: alone, messages: bare, kept: 0 };
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const dropped = cuts[middle] as number;
    const messages = chatMessages(prompt, history.slice(dropped));
    const fit = measure({ messages });
    if (fit.room !== undefined && fit.room >= maxTokens) {
      best = { fit, messages, kept: history.length - dropped };
      high = middle - 1;
    } else {
      low = middle + 1;
    }
  }
  // With every message dropped the answer may still have less than MAX_TOKENS: it gets what is left.
  const room = best.fit.room ?? maxTokens;
  return {
    messages: best.messages,
    maxTokens: Math.max(1, Math.min(maxTokens, room)),
    droppedMessages: stored.length - best.kept,
  };
}

function tooLong(model: ChatModel, fit: PromptFit): InputTooLongError {
  const { provider, model: name } = model.info();
  const size = fit.promptTokens;
  return new InputTooLongError(
    `the input (task, queries and previous outputs, with the component's instructions) is ${fit.exact ? "" : "about "}${size} tokens, ` +
      `but ${name} holds ${fit.contextSize} per request, the answer included: shorten the input, or raise ${contextSetting(provider)}`,
  );
}
