// The RFC 9162 §2.1 Merkle tree: leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right),
// and the "frontier" (compact range) that lets a writer extend the tree with O(log n) state.
import { sha256 } from "./hash.ts";
import { leafHash32, nodeHash32 } from "./sha256-small.ts";

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

/** SHA-256(0x00 ‖ entry). In the ledger the entry is the 32-byte record hash. */
export function leafHash(entry: Uint8Array): Buffer {
  if (entry.length === 32) return leafHash32(entry);
  return sha256(Buffer.concat([LEAF_PREFIX, entry]));
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === 32 && right.length === 32) return nodeHash32(left, right);
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

/** MTH of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D) of RFC 9162 §2.1.1 over the entries (record hashes), computed directly. */
export function merkleRoot(entries: readonly Uint8Array[]): Buffer {
  if (entries.length === 0) return EMPTY_ROOT;
  let level = entries.map((entry) => leafHash(entry));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    // An odd node is promoted unchanged: that is exactly the left-heavy split of §2.1.1.
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** A complete subtree: `2^level` leaves starting at leaf `index * 2^level`. */
export interface NodeRef {
  level: number;
  index: number;
}

/**
 * The roots of the complete subtrees that make up a tree of `size` leaves, largest first (one per set
 * bit of size). Appending a leaf merges equal-sized subtrees; each merge completes a stored node.
 */
export class Frontier {
  size: number;
  readonly nodes: Buffer[];

  constructor(size = 0, nodes: Buffer[] = []) {
    this.size = size;
    this.nodes = nodes;
  }

  clone(): Frontier {
    return new Frontier(this.size, [...this.nodes]);
  }

  /** Adds a leaf hash; `created` sees every completed node of level >= 1 (level, index, hash). */
  push(leaf: Buffer, created?: (level: number, index: number, hash: Buffer) => void): void {
    let node = leaf;
    let level = 0;
    let index = this.size;
    while (index % 2 === 1) {
      node = nodeHash(this.nodes.pop()!, node);
      level++;
      index = Math.floor(index / 2);
      created?.(level, index, node);
    }
    this.nodes.push(node);
    this.size++;
  }

  root(): Buffer {
    if (this.nodes.length === 0) return EMPTY_ROOT;
    let acc = this.nodes[this.nodes.length - 1]!;
    for (let i = this.nodes.length - 2; i >= 0; i--) acc = nodeHash(this.nodes[i]!, acc);
    return acc;
  }

  /** The frontier nodes as they are stored: 32 bytes each, largest subtree first. */
  toBytes(): Buffer {
    return Buffer.concat(this.nodes);
  }

  static fromBytes(size: number, bytes: Uint8Array): Frontier {
    const count = popcount(size);
    if (bytes.length !== count * 32) throw new Error(`frontier for size ${size} must be ${count * 32} bytes`);
    const nodes: Buffer[] = [];
    for (let i = 0; i < count; i++) nodes.push(Buffer.from(bytes.subarray(i * 32, i * 32 + 32)));
    return new Frontier(size, nodes);
  }

  /** The complete subtrees (level, index) a frontier of `size` consists of, largest first. */
  static refs(size: number): NodeRef[] {
    const refs: NodeRef[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (Math.floor(size / width) % 2 === 1) {
        refs.push({ level, index: start / width });
        start += width;
      }
    }
    return refs;
  }
}

export function popcount(n: number): number {
  let count = 0;
  let rest = n;
  while (rest > 0) {
    count += rest % 2;
    rest = Math.floor(rest / 2);
  }
  return count;
}
