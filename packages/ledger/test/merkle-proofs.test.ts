// RFC 9162 tree, inclusion and consistency proofs: Certificate Transparency test vectors, and an
// independent naive implementation written straight from the RFC's recursive definitions.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Frontier, leafHash, merkleRoot, nodeHash, verifyConsistencyPath, verifyInclusionPath } from "../src/index.ts";
import { consistencyPlan, evaluatePlan, inclusionPlan, planRefs, refKey, subtreePlan } from "../src/proof-plan.ts";

const h = (hex: string) => Buffer.from(hex, "hex");

// Leaves and roots shared by the CT implementations (transparency-dev/merkle, RFC 6962 tests).
const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(
  h,
);
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

// --- the naive reference: RFC 9162 §2.1 definitions, with their own hashing --------------------
const sha = (...parts: Uint8Array[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const refLeaf = (d: Uint8Array) => sha(Buffer.from([0]), d);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Buffer.from([1]), l, r);
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
// Ranges [a, b) of one fixed list of entries, memoised so the recursive definitions stay cheap.
let D: Uint8Array[] = [];
const memo = new Map<string, Buffer>();
function MTH(a: number, b: number): Buffer {
  const key = `${a}:${b}`;
  let hash = memo.get(key);
  if (!hash) {
    if (b - a === 0) hash = sha();
    else if (b - a === 1) hash = refLeaf(D[a]!);
    else hash = refNode(MTH(a, a + k(b - a)), MTH(a + k(b - a), b));
    memo.set(key, hash);
  }
  return hash;
}
function PATH(m: number, a: number, b: number): Buffer[] {
  if (b - a === 1) return [];
  const split = a + k(b - a);
  return m < split - a ? [...PATH(m, a, split), MTH(split, b)] : [...PATH(m - (split - a), split, b), MTH(a, split)];
}
function SUBPROOF(m: number, a: number, b: number, complete: boolean): Buffer[] {
  if (m === b - a) return complete ? [] : [MTH(a, b)];
  const split = a + k(b - a);
  return m <= split - a
    ? [...SUBPROOF(m, a, split, complete), MTH(split, b)]
    : [...SUBPROOF(m - (split - a), split, b, false), MTH(a, split)];
}

/** All complete-subtree hashes of a tree over `entries`, as a store would hold them. */
function nodeTable(entries: Uint8Array[]): Map<string, Buffer> {
  const table = new Map<string, Buffer>();
  const frontier = new Frontier();
  entries.forEach((entry, i) => {
    const leaf = leafHash(entry);
    table.set(refKey({ level: 0, index: i }), leaf);
    frontier.push(leaf, (level, index, hash) => table.set(refKey({ level, index }), hash));
  });
  return table;
}

const entries = Array.from({ length: 300 }, (_, i) => sha(Buffer.from(`record ${i}`)));
D = entries;
const table = nodeTable(entries);
const hex = (list: Buffer[]) => list.map((b) => b.toString("hex")).join(",");
const hashes = (plans: ReturnType<typeof inclusionPlan>) => plans.map((p) => evaluatePlan(p, table));

describe("RFC 9162 Merkle tree", () => {
  it("matches the Certificate Transparency root vectors", () => {
    for (let n = 1; n <= 8; n++) expect(merkleRoot(LEAVES.slice(0, n)).toString("hex"), `size ${n}`).toBe(ROOTS[n - 1]);
    expect(merkleRoot([]).toString("hex")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("verifies the CT inclusion and consistency proof vectors and rejects them when moved", () => {
    const leaf5 = leafHash(LEAVES[5]!);
    const path5 = [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ].map(h);
    expect(verifyInclusionPath(5, 8, leaf5, path5, h(ROOTS[7]!))).toBe(true);
    expect(verifyInclusionPath(4, 8, leaf5, path5, h(ROOTS[7]!))).toBe(false);
    expect(verifyInclusionPath(2, 3, leafHash(LEAVES[2]!), [h(ROOTS[1]!)], h(ROOTS[2]!))).toBe(true);
    const c68 = [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ].map(h);
    expect(verifyConsistencyPath(6, 8, h(ROOTS[5]!), h(ROOTS[7]!), c68)).toBe(true);
    expect(verifyConsistencyPath(6, 8, h(ROOTS[4]!), h(ROOTS[7]!), c68)).toBe(false);
    const c25 = [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ].map(h);
    expect(verifyConsistencyPath(2, 5, h(ROOTS[1]!), h(ROOTS[4]!), c25)).toBe(true);
    // Our own proof generation produces the vectors' paths.
    const ctTable = nodeTable(LEAVES);
    expect(inclusionPlan(5, 8).map((p) => evaluatePlan(p, ctTable))).toEqual(path5);
    expect(consistencyPlan(6, 8).map((p) => evaluatePlan(p, ctTable))).toEqual(c68);
    expect(consistencyPlan(2, 5).map((p) => evaluatePlan(p, ctTable))).toEqual(c25);
  });

  it("builds the same roots incrementally (frontier) and from stored subtrees as the naive MTH, for every size 1..300", () => {
    const frontier = new Frontier();
    for (let n = 1; n <= 300; n++) {
      frontier.push(leafHash(entries[n - 1]!));
      const expected = MTH(0, n);
      expect(frontier.root(), `size ${n}`).toEqual(expected);
      expect(evaluatePlan(subtreePlan(0, n), table)).toEqual(expected);
      expect(Frontier.refs(n).length).toBe(frontier.nodes.length);
    }
  });

  it("produces the RFC inclusion path for every leaf of every tree size 1..300, and each verifies", () => {
    // Failures are collected and asserted once: 45,000 expect() calls would dominate the run time.
    const failures: string[] = [];
    for (let n = 1; n <= 300; n++) {
      const root = MTH(0, n);
      for (let m = 0; m < n; m++) {
        const path = hashes(inclusionPlan(m, n));
        if (hex(path) !== hex(PATH(m, 0, n))) failures.push(`PATH(${m}, ${n}) differs`);
        if (!verifyInclusionPath(m, n, leafHash(entries[m]!), path, root))
          failures.push(`leaf ${m} of ${n} does not verify`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("produces the RFC consistency proof for every pair of sizes up to 64 (and random pairs up to 300), each verifies", () => {
    const failures: string[] = [];
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const path = hashes(consistencyPlan(m, n));
        if (hex(path) !== hex(m === n ? [] : SUBPROOF(m, 0, n, true))) failures.push(`PROOF(${m}, ${n}) differs`);
        if (!verifyConsistencyPath(m, n, MTH(0, m), MTH(0, n), path)) failures.push(`${m} -> ${n} does not verify`);
      }
    }
    expect(failures).toEqual([]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), (a, b) => {
        const [m, n] = a <= b ? [a, b] : [b, a];
        const path = hashes(consistencyPlan(m, n));
        expect(verifyConsistencyPath(m, n, MTH(0, m), MTH(0, n), path)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects an altered path element, wrong index, wrong size, wrong root, and extra or missing elements", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 299 }), fc.nat(), fc.nat(), (n, rawM, rawAt) => {
        const m = rawM % n;
        const leaf = leafHash(entries[m]!);
        const root = MTH(0, n);
        const path = hashes(inclusionPlan(m, n));
        const at = rawAt % path.length;
        const altered = path.map((p, i) => (i === at ? Buffer.from(p.map((b, j) => (j === 0 ? b ^ 1 : b))) : p));
        expect(verifyInclusionPath(m, n, leaf, altered, root)).toBe(false);
        expect(verifyInclusionPath((m + 1) % n, n, leaf, path, root)).toBe(false);
        // A size is only meaningful with its root (a checkpoint signs both): the path for size n
        // must not prove the leaf in the tree of size n + 1.
        expect(verifyInclusionPath(m, n + 1, leaf, path, MTH(0, n + 1))).toBe(false);
        expect(verifyInclusionPath(m, n, leaf, path, MTH(0, n - 1))).toBe(false);
        expect(verifyInclusionPath(m, n, leaf, path.slice(1), root)).toBe(false);
        expect(verifyInclusionPath(m, n, leaf, [...path, root], root)).toBe(false);
        expect(verifyInclusionPath(n, n, leaf, path, root)).toBe(false);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 298 }), fc.integer({ min: 2, max: 299 }), fc.nat(), (a, b, rawAt) => {
        const m = Math.min(a, b - 1);
        const n = b;
        const path = hashes(consistencyPlan(m, n));
        const first = MTH(0, m);
        const second = MTH(0, n);
        const at = rawAt % path.length;
        const altered = path.map((p, i) => (i === at ? Buffer.from(p.map((x, j) => (j === 31 ? x ^ 0x80 : x))) : p));
        expect(verifyConsistencyPath(m, n, first, second, altered)).toBe(false);
        expect(verifyConsistencyPath(m, n, second, second, path)).toBe(false);
        expect(verifyConsistencyPath(m, n, first, first, path)).toBe(false);
        expect(verifyConsistencyPath(m, n + 1, first, MTH(0, n + 1), path)).toBe(false);
        expect(verifyConsistencyPath(n, m, second, first, path)).toBe(false);
        expect(verifyConsistencyPath(m, n, first, second, [])).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("plans only O(log n) stored nodes per proof", () => {
    const n = 2 ** 40 + 12345;
    const refs = planRefs([...inclusionPlan(n - 7, n), ...consistencyPlan(n - 1000, n), subtreePlan(0, n)]);
    expect(refs.length).toBeLessThan(4 * 41);
  });

  it("nodeHash and leafHash match SHA-256 of the RFC prefixes for any input", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (a, b) => {
          expect(leafHash(a)).toEqual(refLeaf(a));
          expect(leafHash(b)).toEqual(refLeaf(b));
          expect(nodeHash(a, b)).toEqual(refNode(a, b));
          expect(nodeHash(b, b)).toEqual(refNode(b, b));
        },
      ),
      { numRuns: 500 },
    );
  });
});
