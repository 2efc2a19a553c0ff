// A prompt's size for an HTTP server, whose tokenizer is not here: UTF-8 bytes / 3, plus 4 tokens
// per chat message (role and separators) and 3 for the start of the reply. BPE tokenizers (OpenAI's,
// Llama's, Qwen's) take about 4 bytes per token of English prose or code, so this errs high there,
// the safe side when history is cut to fit; text that tokenizes worse (random strings, some
// scripts) can still take more.

import type { GenerateRequest } from "../types.ts";

const BYTES_PER_TOKEN = 3;
const PER_MESSAGE = 4;
const REPLY_START = 3;

const textTokens = (text: string) => Math.ceil(Buffer.byteLength(text, "utf8") / BYTES_PER_TOKEN);

export function estimatePromptTokens(request: GenerateRequest): number {
  if (request.prompt !== undefined) return textTokens(request.prompt);
  let total = REPLY_START;
  for (const message of request.messages) total += PER_MESSAGE + textTokens(message.content);
  return total;
}
