// What the tiny model predicts after each token — the whole "knowledge" of the model.
// Greedy decoding follows this table from the last prompt token:
//   - printable ASCII (space 0x20 to '}' 0x7D) → the next character: "abc" → "defg…"
//   - '~' (0x7E) → '!' (0x21): the cycle skips space, so output never contains whitespace
//   - control bytes (0x00–0x1F, 0x7F: newline, tab, …) and the control tokens → 'A', so a
//     chat answer (the ChatML prompt ends with "assistant\n") is "ABCDEFGHIJ…"
//   - bytes 0x80–0xFF (parts of non-ASCII UTF-8 characters) → end of text (EOS)
// Attention and feed-forward layers add nothing to the residual stream, so the prediction
// depends only on the last token, never on what came before it.

import { TinyToken } from "./vocab.ts";

const A = 0x41;

export function tinySuccessor(token: number): number {
  if (token >= 0x20 && token <= 0x7d) return token + 1;
  if (token === 0x7e) return 0x21;
  if (token >= 0x80 && token <= 0xff) return TinyToken.EOS;
  return A;
}

/**
 * The text greedy decoding gives after `prompt` (raw completion), for `maxTokens` tokens
 * or until EOS. An empty prompt starts from BOS.
 */
export function tinyModelContinuation(prompt: string, maxTokens: number): string {
  const bytes = new TextEncoder().encode(prompt);
  let token = bytes.length > 0 ? (bytes[bytes.length - 1] as number) : TinyToken.BOS;
  const out: number[] = [];
  for (let i = 0; i < maxTokens; i++) {
    token = tinySuccessor(token);
    if (token === TinyToken.EOS) break;
    out.push(token);
  }
  return new TextDecoder().decode(new Uint8Array(out));
}
