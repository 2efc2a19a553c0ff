// Proof shapes and their verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 describe, so any
// client can check what the server sends without trusting it.
import { leafHash, nodeHash } from "./merkle.ts";

export interface InclusionProof {
  seq: number;
  treeSize: number;
  /** RFC 9162 leaf hash of the record: SHA-256(0x00 ‖ recordHash). */
  leafHash: string;
  recordHash: string;
  /** Sibling subtree hashes from the leaf up (hex). */
  path: string[];
  rootHash: string;
}

export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  path: string[];
  fromRoot: string;
  toRoot: string;
}

const odd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);

function hexBytes(value: unknown, length = 32): Buffer | undefined {
  if (typeof value !== "string" || value.length !== length * 2 || !/^[0-9a-f]*$/.test(value)) return undefined;
  return Buffer.from(value, "hex");
}

function hexPath(path: unknown): Buffer[] | undefined {
  if (!Array.isArray(path)) return undefined;
  const out: Buffer[] = [];
  for (const item of path) {
    const bytes = hexBytes(item);
    if (!bytes) return undefined;
    out.push(bytes);
  }
  return out;
}

const isSize = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/** RFC 9162 §2.1.3.2 on raw hashes. */
export function verifyInclusionPath(index: number, size: number, leaf: Buffer, path: Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/** True when the record hash, hashed as a leaf and combined with the path, gives the root. */
export function verifyInclusion(proof: InclusionProof): boolean {
  if (!proof || !isSize(proof.seq) || !isSize(proof.treeSize)) return false;
  const record = hexBytes(proof.recordHash);
  const root = hexBytes(proof.rootHash);
  const path = hexPath(proof.path);
  if (!record || !root || !path) return false;
  const leaf = leafHash(record);
  if (proof.leafHash !== undefined && proof.leafHash !== leaf.toString("hex")) return false;
  return verifyInclusionPath(proof.seq, proof.treeSize, leaf, path, root);
}

/** RFC 9162 §2.1.4.2 on raw hashes. */
export function verifyConsistencyPath(
  first: number,
  second: number,
  firstRoot: Buffer,
  secondRoot: Buffer,
  path: Buffer[],
): boolean {
  if (first > second) return false;
  if (first === second) return path.length === 0 && firstRoot.equals(secondRoot);
  // Every tree extends the empty tree; there is nothing to prove.
  if (first === 0) return path.length === 0;
  if (path.length === 0) return false;
  const proof = [...path];
  if (2 ** Math.round(Math.log2(first)) === first) proof.unshift(firstRoot);
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = proof[0]!;
  let sr = proof[0]!;
  for (let i = 1; i < proof.length; i++) {
    const c = proof[i]!;
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

/** True when the tree of fromSize (fromRoot) is a prefix of the tree of toSize (toRoot). */
export function verifyConsistency(proof: ConsistencyProof): boolean {
  if (!proof || !isSize(proof.fromSize) || !isSize(proof.toSize)) return false;
  const from = hexBytes(proof.fromRoot);
  const to = hexBytes(proof.toRoot);
  const path = hexPath(proof.path);
  if (!from || !to || !path) return false;
  return verifyConsistencyPath(proof.fromSize, proof.toSize, from, to, path);
}
