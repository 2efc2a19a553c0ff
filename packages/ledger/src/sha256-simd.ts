// Many Merkle leaf and node hashes at once: SHA-256 four messages at a time in WebAssembly SIMD (one
// message per 32-bit lane of a v128), three to four times cheaper per hash than the JavaScript of
// sha256-words.ts. Verify hashes a chunk's leaves and each level of new subtrees in batches, and the
// JSONL writer a group's; where WebAssembly SIMD is unavailable the same calls run sha256-words.ts.
// Hashes are 8 big-endian words (see sha256-words.ts); checked against node:crypto in tests.

import { leafWords, nodeWords } from "./sha256-words.ts";
import { assembleModule, Code } from "./wasm-assembler.ts";

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// Locals of both kernels: the i32 parameters (input address, output address, groups of four), then
// v128s: the state a..h, the 64-word schedule, two temporaries, the state before the block, the
// input words with one message per lane, and four for transposing.
const INPUT = 0;
const OUTPUT = 1;
const GROUPS = 2;
const STATE = 3;
const SCHEDULE = STATE + 8;
const T1 = SCHEDULE + 64;
const T2 = T1 + 1;
const SAVED = T2 + 1;
const WORDS = SAVED + 8;
const ROWS = WORDS + 16;
const VECTORS = ROWS + 4 - STATE;

/**
 * Turns four rows (the same four words of four messages, in locals ROWS..ROWS+3) into four columns
 * (one word of the four messages, lane = message), written to locals `to`..`to`+3.
 */
function transpose(c: Code, to: number): void {
  const [r0, r1, r2, r3] = [ROWS, ROWS + 1, ROWS + 2, ROWS + 3];
  // Interleave pairs of rows, then pairs of pairs; results go via T1/T2 and the targets.
  c.get(r0).get(r1).shuffle32([0, 4, 1, 5]).set(T1);
  c.get(r0).get(r1).shuffle32([2, 6, 3, 7]).set(T2);
  c.get(r2).get(r3).shuffle32([0, 4, 1, 5]).set(r0);
  c.get(r2).get(r3).shuffle32([2, 6, 3, 7]).set(r1);
  c.get(T1).get(r0).shuffle32([0, 1, 4, 5]).set(to);
  c.get(T1)
    .get(r0)
    .shuffle32([2, 3, 6, 7])
    .set(to + 1);
  c.get(T2)
    .get(r1)
    .shuffle32([0, 1, 4, 5])
    .set(to + 2);
  c.get(T2)
    .get(r1)
    .shuffle32([2, 3, 6, 7])
    .set(to + 3);
}

/** Loads `words` words of four consecutive messages (untransposed) into WORDS.., one message per lane. */
function loadMessages(c: Code, words: number): void {
  for (let block = 0; block < words / 4; block++) {
    for (let lane = 0; lane < 4; lane++)
      c.get(INPUT)
        .load(lane * words * 4 + block * 16)
        .set(ROWS + lane);
    transpose(c, WORDS + block * 4);
  }
}

/** Stores the state as four consecutive 8-word digests (untransposed). */
function storeDigests(c: Code): void {
  for (let block = 0; block < 2; block++) {
    for (let k = 0; k < 4; k++) c.get(STATE + block * 4 + k).set(ROWS + k);
    transpose(c, SCHEDULE);
    for (let lane = 0; lane < 4; lane++)
      c.get(OUTPUT)
        .get(SCHEDULE + lane)
        .store(lane * 32 + block * 16);
  }
}

function expand(c: Code): void {
  for (let i = 16; i < 64; i++) {
    const w15 = SCHEDULE + i - 15;
    const w2 = SCHEDULE + i - 2;
    c.rotr(w15, 7).rotr(w15, 18).xor().get(w15).shrU(3).xor();
    c.rotr(w2, 17).rotr(w2, 19).xor().get(w2).shrU(10).xor().add();
    c.get(SCHEDULE + i - 16)
      .add()
      .get(SCHEDULE + i - 7)
      .add()
      .set(SCHEDULE + i);
  }
}

/** The 64 rounds over the schedule, added into the state. Registers are renamed instead of shifted. */
function rounds(c: Code): void {
  for (let s = 0; s < 8; s++) c.get(STATE + s).set(SAVED + s);
  for (let i = 0; i < 64; i++) {
    const [a, b, cc, d, e, f, g, h] = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => STATE + ((j - (i % 8) + 8) % 8)) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    // t1 = h + Σ1(e) + Ch(e, f, g) + K[i] + W[i], with Ch = bitselect(f, g, e)
    c.get(h).rotr(e, 6).rotr(e, 11).xor().rotr(e, 25).xor().add();
    c.get(f).get(g).get(e).bitselect().add();
    c.splat(K[i]!)
      .add()
      .get(SCHEDULE + i)
      .add()
      .set(T1);
    // t2 = Σ0(a) + Maj(a, b, c), with Maj = bitselect(c, a, a ^ b)
    c.rotr(a, 2).rotr(a, 13).xor().rotr(a, 22).xor();
    c.get(cc).get(a).get(a).get(b).xor().bitselect().add().set(T2);
    c.get(d).get(T1).add().set(d);
    c.get(T1).get(T2).add().set(h);
  }
  for (let s = 0; s < 8; s++)
    c.get(STATE + s)
      .get(SAVED + s)
      .add()
      .set(STATE + s);
}

function startState(c: Code): void {
  for (let s = 0; s < 8; s++) c.splat(IV[s]!).set(STATE + s);
}

/**
 * The schedule's first `count` words from the message words shifted right by one byte behind
 * `prefix`: the message is prefix ‖ words (a leaf's 0x00 or a node's 0x01), so block word i is the
 * low byte of message word i - 1 followed by the high three bytes of message word i.
 */
function shiftedWords(c: Code, count: number, prefix: number): void {
  for (let i = 0; i < count; i++) {
    c.get(WORDS + i).shrU(8);
    if (i === 0) c.splat(prefix << 24).or();
    else
      c.get(WORDS + i - 1)
        .shl(24)
        .or();
    c.set(SCHEDULE + i);
  }
}

function kernel(body: (c: Code) => void, inputStride: number): Code {
  const c = new Code(VECTORS);
  c.whileNonZero(GROUPS, () => {
    body(c);
    c.get(INPUT).i32(inputStride).i32Add().set(INPUT);
    c.get(OUTPUT).i32(128).i32Add().set(OUTPUT);
    c.get(GROUPS).i32(1).i32Sub().set(GROUPS);
  });
  return c;
}

/** Input: four 8-word entries one after another. Message 0x00 ‖ entry: one block. */
const leafKernel = kernel((c) => {
  loadMessages(c, 8);
  shiftedWords(c, 8, 0x00);
  c.get(WORDS + 7)
    .shl(24)
    .splat(0x800000)
    .or()
    .set(SCHEDULE + 8);
  for (let i = 9; i < 15; i++) c.splat(0).set(SCHEDULE + i);
  c.splat(33 * 8).set(SCHEDULE + 15);
  expand(c);
  startState(c);
  rounds(c);
  storeDigests(c);
}, 128);

/** Input: four pairs (left child's 8 words, then the right's) one after another. Message 0x01 ‖ left ‖ right: two blocks. */
const nodeKernel = kernel((c) => {
  loadMessages(c, 16);
  shiftedWords(c, 16, 0x01);
  expand(c);
  startState(c);
  rounds(c);
  c.get(WORDS + 15)
    .shl(24)
    .splat(0x800000)
    .or()
    .set(SCHEDULE);
  for (let i = 1; i < 15; i++) c.splat(0).set(SCHEDULE + i);
  c.splat(65 * 8).set(SCHEDULE + 15);
  expand(c);
  rounds(c);
  storeDigests(c);
}, 256);

type Kernel = (input: number, output: number, groups: number) => void;

/** Groups handed to the kernel per call; input and output regions of the module's memory. */
const SLICE = 1024;
const OUTPUT_BASE = SLICE * 256;
const PAGES = 8;

interface Simd {
  words: Int32Array;
  leaves: Kernel;
  nodes: Kernel;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs leave out the DOM's typings of it). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

function instantiate(): Simd | undefined {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  const bytes = assembleModule(PAGES, [
    { name: "leaves", code: leafKernel },
    { name: "nodes", code: nodeKernel },
  ]);
  // Without SIMD (an old engine, or --jitless without WebAssembly) the JavaScript path is used.
  if (api === undefined || !api.validate(bytes)) return undefined;
  const exports = new api.Instance(new api.Module(bytes), {}).exports as {
    memory: { buffer: ArrayBuffer };
    leaves: Kernel;
    nodes: Kernel;
  };
  return { words: new Int32Array(exports.memory.buffer), leaves: exports.leaves, nodes: exports.nodes };
}

const simd = instantiate();

/** Below this many hashes the copying costs more than SIMD saves. */
const MIN_BATCH = 4;

/** Whether the WebAssembly SIMD kernels are in use (else the JavaScript fallback is). */
export const simdAvailable = simd !== undefined;

/** Leaf hashes of `count` 8-word entries: src[at + 8i, +8) → out[outAt + 8i, +8). */
export function leafWordsMany(src: Int32Array, at: number, count: number, out: Int32Array, outAt: number): void {
  if (!simd || count < MIN_BATCH) {
    for (let i = 0; i < count; i++) leafWords(src, at + 8 * i, out, outAt + 8 * i);
    return;
  }
  run(simd, simd.leaves, 8, src, at, count, out, outAt);
}

/** Node hashes of `count` adjacent pairs: children src[at + 16i, +8) and src[at + 16i + 8, +8) → out[outAt + 8i, +8). */
export function nodeWordsMany(src: Int32Array, at: number, count: number, out: Int32Array, outAt: number): void {
  if (!simd || count < MIN_BATCH) {
    for (let i = 0; i < count; i++) nodeWords(src, at + 16 * i, src, at + 16 * i + 8, out, outAt + 8 * i);
    return;
  }
  run(simd, simd.nodes, 16, src, at, count, out, outAt);
}

/** Copies messages of `size` words into the module's memory a slice at a time, and the digests out. */
function run(
  module: Simd,
  kernel: Kernel,
  size: number,
  src: Int32Array,
  at: number,
  count: number,
  out: Int32Array,
  outAt: number,
): void {
  const mem = module.words;
  for (let done = 0; done < count; done += SLICE * 4) {
    const n = Math.min(SLICE * 4, count - done);
    mem.set(src.subarray(at + size * done, at + size * (done + n)), 0);
    // The last group's spare lanes hash whatever is there; their digests are not copied out.
    kernel(0, OUTPUT_BASE, (n + 3) >> 2);
    out.set(mem.subarray(OUTPUT_BASE / 4, OUTPUT_BASE / 4 + 8 * n), outAt + 8 * done);
  }
}
