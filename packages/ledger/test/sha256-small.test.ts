// The JavaScript SHA-256 used for Merkle leaves and nodes must equal node:crypto's, byte for byte.
import { createHash, hash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlatFrontier } from "../src/flat-frontier.ts";
import { Frontier, leafHash } from "../src/merkle.ts";
import { leafWordsMany, nodeWordsMany, simdAvailable } from "../src/sha256-simd.ts";
import { leafHash32, leafHash32Into, nodeHash32, nodeHash64Into } from "../src/sha256-small.ts";
import { bytesToWords, hexToWords, latin1ToWords, wordsToBytes } from "../src/sha256-words.ts";

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

describe("word-based SHA-256 helpers", () => {
  it("read node:crypto's hex and latin1 digests as the same words as its bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const fromBytes = new Int32Array(8);
        const fromHex = new Int32Array(8);
        const fromLatin1 = new Int32Array(8);
        bytesToWords(hash("sha256", data, "buffer"), 0, fromBytes, 0);
        hexToWords(hash("sha256", data, "hex"), fromHex, 0);
        latin1ToWords(hash("sha256", data, "binary"), fromLatin1, 0);
        expect(fromHex).toEqual(fromBytes);
        expect(fromLatin1).toEqual(fromBytes);
        const back = new Uint8Array(32);
        wordsToBytes(fromBytes, 0, back, 0);
        expect(Buffer.from(back)).toEqual(hash("sha256", data, "buffer"));
      }),
      { numRuns: 300 },
    );
  });

  it("a frontier carried across groups as words gives the writer's tree, nodes in post-order", () => {
    const frontier = new Frontier();
    const postOrder: Buffer[] = [];
    let flat = FlatFrontier.fromFrontier(frontier);
    const out = Buffer.alloc(4096 * 32);
    let written = 0;
    const leaf = new Int32Array(8);
    for (let i = 0; i < 1100; i++) {
      const digest = sha(Buffer.from(String(i)));
      const leafBytes = leafHash(digest);
      postOrder.push(leafBytes);
      frontier.push(leafBytes, (_level, _index, node) => postOrder.push(node));
      bytesToWords(leafBytes, 0, leaf, 0);
      written = flat.pushWordsPostOrder(leaf, 0, out, written);
      // Hand the frontier over as a writer does between groups.
      if (i % 37 === 0) flat = FlatFrontier.fromFrontier(flat.toFrontier());
    }
    expect(out.subarray(0, written)).toEqual(Buffer.concat(postOrder));
    expect(flat.root()).toEqual(frontier.root());
    expect(flat.toFrontier().nodes).toEqual(frontier.nodes);
  });
});

describe("batched Merkle hashing (WebAssembly SIMD, four messages per pass)", () => {
  const digestWords = (...parts: Uint8Array[]) => {
    const out = new Int32Array(8);
    bytesToWords(sha(...parts), 0, out, 0);
    return out;
  };

  it("is in use here, and equals node:crypto for batches of any length, across slices", () => {
    expect(simdAvailable).toBe(true);
    for (const count of [1, 3, 4, 5, 17, 4095, 4096, 4097, 9001]) {
      const entries = Buffer.alloc(count * 64);
      for (let i = 0; i < count * 16; i++) entries.writeInt32BE((i * 2654435761) | 0, i * 4);
      const src = new Int32Array(count * 16);
      for (let i = 0; i < count * 2; i++) bytesToWords(entries, i * 32, src, i * 8);
      const leaves = new Int32Array(count * 8);
      const nodes = new Int32Array(count * 8);
      leafWordsMany(src, 8, count, leaves, 0);
      nodeWordsMany(src, 0, count, nodes, 0);
      for (const i of [0, 1, count >> 1, count - 1].filter((i) => i < count)) {
        const left = entries.subarray(i * 64, i * 64 + 32);
        const right = entries.subarray(i * 64 + 32, i * 64 + 64);
        // Leaf i is the hash of entry 2i + 1 (src starts at word 8); node i of entries 2i and 2i + 1.
        const leafEntry = entries.subarray((i + 1) * 32, (i + 2) * 32);
        expect(leaves.subarray(i * 8, i * 8 + 8), `leaf ${i} of ${count}`).toEqual(
          digestWords(Buffer.from([0]), leafEntry),
        );
        expect(nodes.subarray(i * 8, i * 8 + 8), `node ${i} of ${count}`).toEqual(
          digestWords(Buffer.from([1]), left, right),
        );
      }
    }
  });

  it("a frontier fed in batches equals one fed leaf by leaf: roots, stored nodes and what follows", () => {
    fc.assert(
      fc.property(fc.nat(3000), fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 5 }), (before, batches) => {
        const total = before + batches.reduce((a, b) => a + b, 0) + 1;
        const leaves = new Int32Array(total * 8);
        for (let i = 0; i < total; i++) bytesToWords(sha(Buffer.from(`leaf ${i}`)), 0, leaves, i * 8);
        const one = new FlatFrontier();
        const many = new FlatFrontier();
        for (let i = 0; i < before; i++) {
          one.pushWords(leaves, i * 8);
          many.pushWords(leaves, i * 8);
        }
        let at = before;
        for (const count of batches) {
          const expected = Buffer.alloc((2 * count + 64) * 32);
          const actual = Buffer.alloc((2 * count + 64) * 32);
          let end = 0;
          for (let i = at; i < at + count; i++) end = one.pushWordsPostOrder(leaves, i * 8, expected, end);
          expect(many.pushMany(leaves, at * 8, count, actual, 0)).toBe(end);
          expect(actual.subarray(0, end)).toEqual(expected.subarray(0, end));
          expect(many.root()).toEqual(one.root());
          at += count;
        }
        one.pushWords(leaves, at * 8);
        many.pushWords(leaves, at * 8);
        expect(many.root()).toEqual(one.root());
        expect(many.toFrontier().nodes).toEqual(one.toFrontier().nodes);
      }),
      { numRuns: 40 },
    );
  });
});
