// Chat messages in the OpenAI shape → node-llama-cpp's chat history, ending with the empty
// model turn the answer goes into. Consecutive assistant messages stay separate turns.

import type { ChatHistoryItem } from "node-llama-cpp";
import type { ChatMessage } from "../types.ts";

function toItem(message: ChatMessage): ChatHistoryItem {
  if (message.role === "system") return { type: "system", text: message.content };
  if (message.role === "user") return { type: "user", text: message.content };
  return { type: "model", response: [message.content] };
}

export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return [...messages.map(toItem), { type: "model", response: [] }];
}
