// The Merkle tree's two SHA-256 messages on bytes: a leaf (0x00 ‖ 32 bytes) and a node
// (0x01 ‖ 32 ‖ 32 bytes), through the word-based JavaScript SHA-256 of sha256-words.ts, which is
// several times cheaper than a node:crypto call for one or two blocks.
import { bytesToWords, leafWords, nodeWords, wordsToBytes } from "./sha256-words.ts";

const words = new Int32Array(16);

/** SHA-256(0x00 ‖ entry) for a 32-byte entry, written to out[at, at + 32). */
export function leafHash32Into(entry: Uint8Array, out: Uint8Array, at: number): void {
  bytesToWords(entry, 0, words, 0);
  leafWords(words, 0, words, 8);
  wordsToBytes(words, 8, out, at);
}

/** SHA-256(0x00 ‖ entry) for a 32-byte entry. */
export function leafHash32(entry: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(32);
  leafHash32Into(entry, out, 0);
  return out;
}

/** SHA-256(0x01 ‖ src[at, at + 64)): two adjacent 32-byte children, written to out[outAt, outAt + 32). */
export function nodeHash64Into(src: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
  bytesToWords(src, at, words, 0);
  bytesToWords(src, at + 32, words, 8);
  nodeWords(words, 0, words, 8, words, 0);
  wordsToBytes(words, 0, out, outAt);
}

/** SHA-256(0x01 ‖ left ‖ right) for 32-byte children. */
export function nodeHash32(left: Uint8Array, right: Uint8Array): Buffer {
  bytesToWords(left, 0, words, 0);
  bytesToWords(right, 0, words, 8);
  nodeWords(words, 0, words, 8, words, 0);
  const out = Buffer.allocUnsafe(32);
  wordsToBytes(words, 0, out, 0);
  return out;
}
