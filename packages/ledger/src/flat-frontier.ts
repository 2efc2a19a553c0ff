// The hot-path frontier: the same compact range as merkle.ts's Frontier, kept as 32-bit words in one
// typed array so that pushing a leaf allocates nothing (verify pushes millions of them, the JSONL
// writer one per record).
import { EMPTY_ROOT, Frontier } from "./merkle.ts";
import { nodeWordsMany } from "./sha256-simd.ts";
import { bytesToWords, nodeWords, wordsToBytes } from "./sha256-words.ts";

/** Below this many leaves, pushing them one by one is cheaper than building levels. */
const BATCH = 16;

function bits32(value: number): number {
  let x = value - ((value >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Number of tree nodes (post-order) for a tree of n leaves (n < 2^53). */
function nodeCount(n: number): number {
  return 2 * n - bits32(n >>> 0) - bits32(Math.floor(n / 2 ** 32));
}

export class FlatFrontier {
  size = 0;
  private depth = 0;
  /** slot d (8 words) holds the root of the d-th complete subtree, largest first */
  private readonly stack = new Int32Array(64 * 8);

  /** Appends the leaf hash src[at, at + 32) (bytes). */
  push(src: Uint8Array, at: number): void {
    bytesToWords(src, at, this.stack, this.depth * 8);
    this.merge();
  }

  /** Appends the leaf hash src[at, at + 8) (big-endian words, see sha256-words.ts). */
  pushWords(src: Int32Array, at: number): void {
    const slot = this.depth * 8;
    for (let i = 0; i < 8; i++) this.stack[slot + i] = src[at + i]!;
    this.merge();
  }

  /**
   * Appends the leaf hash src[at, at + 8) (words) and writes it, then every subtree it completes, as
   * 32 bytes each to out from outAt (the post-order a JSONL store keeps). Returns the end offset.
   */
  pushWordsPostOrder(src: Int32Array, at: number, out: Uint8Array, outAt: number): number {
    const slot = this.depth * 8;
    for (let i = 0; i < 8; i++) this.stack[slot + i] = src[at + i]!;
    wordsToBytes(this.stack, slot, out, outAt);
    return this.merge(out, outAt + 32);
  }

  /** Two runs of nodes (8 words each) for pushMany, grown as needed. */
  private runs = [new Int32Array(0), new Int32Array(0)];

  /**
   * Appends `count` leaf hashes src[at, at + 8 * count) (words), hashing the completed subtrees a level
   * at a time in batches (sha256-simd.ts). With `out`, the leaves and completed subtrees are written
   * as 32 bytes each in post-order from outAt, as pushWordsPostOrder would; returns the end offset.
   */
  pushMany(src: Int32Array, at: number, count: number, out?: Uint8Array, outAt = 0): number {
    if (count < BATCH) {
      let written = outAt;
      for (let i = 0; i < count; i++) {
        if (out) written = this.pushWordsPostOrder(src, at + 8 * i, out, written);
        else this.pushWords(src, at + 8 * i);
      }
      return written;
    }
    const start = this.size;
    const end = start + count;
    const before = nodeCount(start);
    // The old frontier's node at each level (its subtrees are one per set bit of the size, largest first).
    const oldAt: number[] = [];
    for (let level = 52, slot = 0; level >= 0; level--) {
      if (Math.floor(start / 2 ** level) % 2 === 1) oldAt[level] = 8 * slot++;
    }
    const kept: number[] = [];
    let run = this.scratch(0, count + 1);
    let fresh = count;
    run.set(src.subarray(at, at + 8 * count), 8);
    for (let level = 0; 2 ** level <= end; level++) {
      // This level's new nodes sit from slot 1 of the run; slot 0 holds the old frontier's node of this
      // level when it still lacks its right sibling (the size had this bit set), so pairs stay aligned.
      const old = oldAt[level];
      const withOld = old !== undefined;
      if (withOld) run.set(this.stack.subarray(old, old + 8), 0);
      const offset = withOld ? 0 : 8;
      const length = fresh + (withOld ? 1 : 0);
      if (out && fresh > 0) {
        const firstFresh = Math.floor(start / 2 ** level);
        for (let k = 0; k < fresh; k++) {
          // Post-order position: after every node up to the subtree's last leaf, plus its height.
          const lastLeaf = (firstFresh + k + 1) * 2 ** level - 1;
          const position = nodeCount(lastLeaf) + level - before;
          wordsToBytes(run, 8 + 8 * k, out, outAt + 32 * position);
        }
      }
      const pairs = Math.floor(length / 2);
      // An unpaired last node is the new frontier's at this level; copied now, as runs are reused.
      if (length % 2 === 1) kept.push(this.keep(run, offset + 8 * (length - 1), kept.length));
      const next = this.scratch(run === this.runs[0] ? 1 : 0, pairs + 1);
      nodeWordsMany(run, offset, pairs, next, 8);
      run = next;
      fresh = pairs;
    }
    // The new frontier: the kept nodes, largest subtree first.
    this.depth = kept.length;
    for (let k = 0; k < kept.length; k++) {
      const from = kept[kept.length - 1 - k]!;
      for (let i = 0; i < 8; i++) this.stack[8 * k + i] = this.held[from + i]!;
    }
    this.size = end;
    return out ? outAt + 32 * (nodeCount(end) - before) : outAt;
  }

  /** Nodes kept for the new frontier while pushMany works, 8 words per level. */
  private readonly held = new Int32Array(64 * 8);

  private keep(run: Int32Array, at: number, index: number): number {
    for (let i = 0; i < 8; i++) this.held[8 * index + i] = run[at + i]!;
    return 8 * index;
  }

  private scratch(which: 0 | 1, nodes: number): Int32Array {
    if (this.runs[which]!.length < nodes * 8) this.runs[which] = new Int32Array(Math.max(nodes * 8, 1024));
    return this.runs[which]!;
  }

  private merge(out?: Uint8Array, outAt = 0): number {
    let written = outAt;
    this.depth++;
    // Each trailing 1 bit of the old size is a subtree of the same height to merge with.
    for (let n = this.size; n % 2 === 1; n = Math.floor(n / 2)) {
      this.depth--;
      const left = (this.depth - 1) * 8;
      nodeWords(this.stack, left, this.stack, left + 8, this.stack, left);
      if (out) {
        wordsToBytes(this.stack, left, out, written);
        written += 32;
      }
    }
    this.size++;
    return written;
  }

  static fromFrontier(frontier: Frontier): FlatFrontier {
    const flat = new FlatFrontier();
    flat.size = frontier.size;
    flat.depth = frontier.nodes.length;
    frontier.nodes.forEach((node, d) => {
      bytesToWords(node, 0, flat.stack, d * 8);
    });
    return flat;
  }

  toFrontier(): Frontier {
    const nodes: Buffer[] = [];
    for (let d = 0; d < this.depth; d++) {
      const node = Buffer.allocUnsafe(32);
      wordsToBytes(this.stack, d * 8, node, 0);
      nodes.push(node);
    }
    return new Frontier(this.size, nodes);
  }

  root(): Buffer {
    if (this.depth === 0) return EMPTY_ROOT;
    const acc = new Int32Array(8);
    for (let i = 0; i < 8; i++) acc[i] = this.stack[(this.depth - 1) * 8 + i]!;
    for (let d = this.depth - 2; d >= 0; d--) nodeWords(this.stack, d * 8, acc, 0, acc, 0);
    const out = Buffer.allocUnsafe(32);
    wordsToBytes(acc, 0, out, 0);
    return out;
  }
}
