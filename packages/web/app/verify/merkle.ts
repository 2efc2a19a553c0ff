// The RFC 9162 §2.1 Merkle tree the ledger builds over its record hashes: leaf = SHA-256(0x00 ‖
// record hash), node = SHA-256(0x01 ‖ left ‖ right); inclusion proofs checked as §2.1.3.2 says,
// and a frontier that computes a tree's root while the records stream past.

import { type Bytes, concatBytes, equalBytes, sha256 } from "./bytes.ts";

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export function leafHash(recordHash: Uint8Array): Promise<Bytes> {
  return sha256(concatBytes(LEAF, recordHash));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Bytes> {
  return sha256(concatBytes(NODE, left, right));
}

/** RFC 9162 §2.1.3.2: does `path` lead from leaf `index` of a tree of `size` leaves to `root`? */
export async function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
  root: Uint8Array,
): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

/** The roots of the complete subtrees of the tree so far, largest first: O(log n) state. */
export class Frontier {
  size = 0;
  private readonly nodes: { leaves: number; hash: Bytes }[] = [];

  /**
   * The frontier after `size` leaves from its nodes (largest subtree first, one per set bit of
   * `size`, as an archive manifest keeps them), or undefined when they do not fit that size.
   */
  static resume(size: number, nodes: readonly Bytes[]): Frontier | undefined {
    const widths: number[] = [];
    for (let width = 2 ** 52; width >= 1; width /= 2) if (Math.floor(size / width) % 2 === 1) widths.push(width);
    if (!Number.isSafeInteger(size) || size < 0 || nodes.length !== widths.length) return undefined;
    const frontier = new Frontier();
    for (const [i, leaves] of widths.entries()) frontier.nodes.push({ leaves, hash: nodes[i] as Bytes });
    frontier.size = size;
    return frontier;
  }

  async append(leaf: Bytes): Promise<void> {
    let node = { leaves: 1, hash: leaf };
    // Two equal subtrees side by side become one: exactly the carries of a binary counter.
    for (let last = this.nodes.at(-1); last && last.leaves === node.leaves; last = this.nodes.at(-1)) {
      this.nodes.pop();
      node = { leaves: last.leaves * 2, hash: await nodeHash(last.hash, node.hash) };
    }
    this.nodes.push(node);
    this.size++;
  }

  /** MTH of the leaves so far (the left-heavy split of §2.1.1); SHA-256("") when empty. */
  async root(): Promise<Bytes> {
    const last = this.nodes.at(-1);
    if (!last) return sha256(new Uint8Array(0));
    let hash = last.hash;
    for (let i = this.nodes.length - 2; i >= 0; i--)
      hash = await nodeHash((this.nodes[i] as { hash: Bytes }).hash, hash);
    return hash;
  }
}
