// The verifier's frontier: the same compact range as merkle.ts's Frontier, kept in one typed array
// so that pushing a leaf allocates nothing (verify pushes millions of them).
import { EMPTY_ROOT, nodeHash } from "./merkle.ts";
import { nodeHash64Into } from "./sha256-small.ts";

export class FlatFrontier {
  size = 0;
  private depth = 0;
  /** slot d holds the root of the d-th complete subtree, largest first */
  private readonly stack = new Uint8Array(64 * 32);

  /** Appends the leaf hash src[at, at + 32). */
  push(src: Uint8Array, at: number): void {
    const slot = this.depth * 32;
    for (let i = 0; i < 32; i++) this.stack[slot + i] = src[at + i]!;
    this.depth++;
    // Each trailing 1 bit of the old size is a subtree of the same height to merge with.
    for (let n = this.size; n % 2 === 1; n = Math.floor(n / 2)) {
      this.depth--;
      nodeHash64Into(this.stack, (this.depth - 1) * 32, this.stack, (this.depth - 1) * 32);
    }
    this.size++;
  }

  root(): Buffer {
    if (this.depth === 0) return EMPTY_ROOT;
    let acc: Buffer = Buffer.from(this.stack.subarray((this.depth - 1) * 32, this.depth * 32));
    for (let d = this.depth - 2; d >= 0; d--) acc = nodeHash(this.stack.subarray(d * 32, d * 32 + 32), acc);
    return acc;
  }
}
