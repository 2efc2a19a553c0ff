// The tiny model's byte-level vocabulary: token id b (0–255) is the byte b, spelled the way
// GPT-2 style byte-level BPE spells bytes (printable ASCII as itself, other bytes as a
// unicode stand-in, e.g. space = "Ġ"), so llama.cpp's "gpt2" tokenizer maps every byte of
// any input to exactly one token with no merges at all. Four control tokens follow.

export const TINY_VOCAB_SIZE = 260;

export const TinyToken = {
  BOS: 256,
  EOS: 257,
  IM_START: 258,
  IM_END: 259,
} as const;

const specials = ["<s>", "</s>", "<|im_start|>", "<|im_end|>"] as const;

/** GGUF tokenizer.ggml.token_type values. */
const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;

/** GPT-2's bytes_to_unicode: printable bytes stay, the rest move to U+0100 and up. */
export function byteLevelSpelling(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const spelling: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    spelling[b] = String.fromCodePoint(printable(b) ? b : 256 + next++);
  }
  return spelling;
}

export function tinyTokenTexts(): string[] {
  return [...byteLevelSpelling(), ...specials];
}

export function tinyTokenTypes(): number[] {
  return Array.from({ length: TINY_VOCAB_SIZE }, (_, id) => (id < 256 ? TOKEN_TYPE_NORMAL : TOKEN_TYPE_CONTROL));
}
