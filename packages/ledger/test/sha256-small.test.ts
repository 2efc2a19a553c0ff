// The JavaScript SHA-256 used for Merkle leaves and nodes must equal node:crypto's, byte for byte.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlatFrontier } from "../src/flat-frontier.ts";
import { Frontier, leafHash } from "../src/merkle.ts";
import { leafHash32, leafHash32Into, nodeHash32, nodeHash64Into } from "../src/sha256-small.ts";

const sha = (...parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("small SHA-256", () => {
  it("leaf and node hashes equal node:crypto's for random inputs", () => {
    fc.assert(
      fc.property(bytes32, bytes32, fc.nat(40), (a, b, offset) => {
        expect(leafHash32(a)).toEqual(sha(Buffer.from([0]), a));
        expect(nodeHash32(a, b)).toEqual(sha(Buffer.from([1]), a, b));
        const out = new Uint8Array(offset + 32);
        leafHash32Into(a, out, offset);
        expect(Buffer.from(out.subarray(offset))).toEqual(sha(Buffer.from([0]), a));
        const pair = new Uint8Array(offset + 64);
        pair.set(a, offset);
        pair.set(b, offset + 32);
        nodeHash64Into(pair, offset, pair, offset);
        expect(Buffer.from(pair.subarray(offset, offset + 32))).toEqual(sha(Buffer.from([1]), a, b));
      }),
      { numRuns: 1000 },
    );
  });

  it("the verifier's allocation-free frontier agrees with the writer's", () => {
    const flat = new FlatFrontier();
    const frontier = new Frontier();
    for (let i = 0; i < 1100; i++) {
      const leaf = leafHash(sha(Buffer.from(String(i))));
      flat.push(leaf, 0);
      frontier.push(leaf);
      if (i % 97 === 0 || i > 1020) expect(flat.root()).toEqual(frontier.root());
    }
  });
});
