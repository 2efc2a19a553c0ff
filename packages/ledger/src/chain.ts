// Extending a partition's chain and tree by a batch of entries: pure, so every store runs the same
// code inside its own write discipline (a file lock, a SQLite transaction, a PostgreSQL row lock).
import type { PreparedEntry } from "./entry.ts";
import { sha256, ZERO_HASH_HEX } from "./hash.ts";
import { type Frontier, leafHash } from "./merkle.ts";
import { recordLine, type StoredRecord } from "./record.ts";

export interface ChainHead {
  size: number;
  /** hex hash of record size-1, or 64 zeros. */
  head: string;
  frontier: Frontier;
}

export interface TreeNodeRow {
  level: number;
  index: number;
  hash: Buffer;
}

export interface ChainExtension {
  records: StoredRecord[];
  lines: string[];
  hashes: Buffer[];
  /** Leaf hashes, in order (level 0). */
  leaves: Buffer[];
  /** Completed subtrees of level >= 1, in the order they completed. */
  nodes: TreeNodeRow[];
  /** Every new node in post-order: each leaf followed by the subtrees it completed. */
  postOrder: Buffer[];
  head: ChainHead;
}

export function emptyHead(frontier: Frontier): ChainHead {
  return { size: 0, head: ZERO_HASH_HEX, frontier };
}

/** The records, lines and tree nodes that appending `entries` after `head` produces. `head` is not mutated. */
export function extendChain(head: ChainHead, entries: readonly PreparedEntry[]): ChainExtension {
  const frontier = head.frontier.clone();
  const out: ChainExtension = { records: [], lines: [], hashes: [], leaves: [], nodes: [], postOrder: [], head };
  let prev = head.head;
  let seq = head.size;
  for (const entry of entries) {
    const line = recordLine(entry.at, entry.bodyJson, prev, seq, entry.type);
    const hash = sha256(line);
    const hex = hash.toString("hex");
    const leaf = leafHash(hash);
    out.postOrder.push(leaf);
    frontier.push(leaf, (level, index, node) => {
      out.nodes.push({ level, index, hash: node });
      out.postOrder.push(node);
    });
    out.records.push({ v: 1, seq, type: entry.type, at: entry.at, body: entry.body, prev, hash: hex });
    out.lines.push(line);
    out.hashes.push(hash);
    out.leaves.push(leaf);
    prev = hex;
    seq++;
  }
  out.head = { size: seq, head: prev, frontier };
  return out;
}
