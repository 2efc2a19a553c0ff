// The bytes a JSONL partition appends for a group of entries: each record line is encoded once into
// the group's buffer and hashed from there (one node:crypto call, hex output that is both the record's
// `hash` and the next line's `prev`); then the group's leaves and the subtrees they complete are
// hashed in batches (sha256-simd.ts) and written in post-order for tree.bin. Pure: nothing is written.
import { hash } from "node:crypto";
import type { ChainHead } from "./chain.ts";
import type { PreparedEntry } from "./entry.ts";
import { FlatFrontier } from "./flat-frontier.ts";
import { recordLine, type StoredRecord } from "./record.ts";
import { leafWordsMany } from "./sha256-simd.ts";
import { hexToWords } from "./sha256-words.ts";

export interface JsonlBatch {
  /** the record lines, each followed by "\n" */
  data: Buffer;
  /** end of each line in data (after its "\n") */
  ends: Float64Array;
  /** the new tree nodes, 32 bytes each, in post-order: each leaf followed by the subtrees it completed */
  postOrder: Buffer;
  records: StoredRecord[];
  head: ChainHead;
}

/** Room for a line whatever its characters: every UTF-16 unit of the body as 3 UTF-8 bytes, plus the envelope. */
function bound(entry: PreparedEntry): number {
  return 3 * entry.bodyJson.length + entry.type.length + 256;
}

/** Room for a line of ASCII (the common case, so the buffer rarely grows). */
function estimate(entry: PreparedEntry): number {
  return entry.bodyJson.length + entry.type.length + 256;
}

/** The lines, tree nodes and records that appending `entries` after `head` produces. `head` is not mutated. */
export function encodeJsonlBatch(head: ChainHead, entries: readonly PreparedEntry[]): JsonlBatch {
  let capacity = 0;
  for (const entry of entries) capacity += estimate(entry);
  let data = Buffer.allocUnsafe(capacity);
  const ends = new Float64Array(entries.length);
  // A leaf each, plus at most one completed subtree per leaf on average and one per level at the end.
  const postOrder = Buffer.allocUnsafe((2 * entries.length + 64) * 32);
  const records: StoredRecord[] = new Array(entries.length);
  // Record hashes, then leaf hashes, 8 words each: the tree is built once the lines are hashed.
  const hashes = new Int32Array(8 * entries.length);
  let prev = head.head;
  let seq = head.size;
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (data.length - at < bound(entry)) {
      const bigger = Buffer.allocUnsafe(Math.max(data.length * 2, at + bound(entry)));
      data.copy(bigger, 0, 0, at);
      data = bigger;
    }
    const start = at;
    at += data.write(recordLine(entry.at, entry.bodyJson, prev, seq, entry.type), at);
    const hex = hash("sha256", data.subarray(start, at), "hex");
    data[at++] = 0x0a;
    ends[i] = at;
    hexToWords(hex, hashes, 8 * i);
    records[i] = { v: 1, seq, type: entry.type, at: entry.at, body: entry.body, prev, hash: hex };
    prev = hex;
    seq++;
  }
  leafWordsMany(hashes, 0, entries.length, hashes, 0);
  const frontier = FlatFrontier.fromFrontier(head.frontier);
  const treeEnd = frontier.pushMany(hashes, 0, entries.length, postOrder, 0);
  return {
    data: data.subarray(0, at),
    ends,
    postOrder: postOrder.subarray(0, treeEnd),
    records,
    head: { size: seq, head: prev, frontier: frontier.toFrontier() },
  };
}
