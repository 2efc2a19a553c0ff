// SHA-256 in plain JavaScript for the two fixed-size messages of the Merkle tree, on 32-bit words
// rather than bytes: a leaf is SHA-256(0x00 ‖ 32 bytes), a node SHA-256(0x01 ‖ 32 ‖ 32 bytes).
// A node:crypto call costs about a microsecond whatever the size, which dominates for one or two
// blocks; this serves single hashes (a frontier's root, a lone append) and is the fallback of the
// batched SIMD kernels (sha256-simd.ts). Hashes stay as 8 big-endian words (Int32Array) from leaf to
// root, so bytes are packed only where they are stored. Checked against node:crypto in tests.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV0 = 0x6a09e667 | 0;
const IV1 = 0xbb67ae85 | 0;
const IV2 = 0x3c6ef372 | 0;
const IV3 = 0xa54ff53a | 0;
const IV4 = 0x510e527f | 0;
const IV5 = 0x9b05688c | 0;
const IV6 = 0x1f83d9ab | 0;
const IV7 = 0x5be0cd19 | 0;

const bigSigma0 = (x: number) => ((x >>> 2) | (x << 30)) ^ ((x >>> 13) | (x << 19)) ^ ((x >>> 22) | (x << 10));
const bigSigma1 = (x: number) => ((x >>> 6) | (x << 26)) ^ ((x >>> 11) | (x << 21)) ^ ((x >>> 25) | (x << 7));
const smallSigma0 = (x: number) => ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
const smallSigma1 = (x: number) => ((x >>> 17) | (x << 15)) ^ ((x >>> 19) | (x << 13)) ^ (x >>> 10);

/** The message schedule: w[0, 16) holds the block, w[16, 64) is derived from it. */
const W = new Int32Array(64);

function expand(w: Int32Array): void {
  for (let i = 16; i < 64; i++) w[i] = (w[i - 16]! + smallSigma0(w[i - 15]!) + w[i - 7]! + smallSigma1(w[i - 2]!)) | 0;
}

/** The 64 rounds over schedule w (at wAt), adding into state s[at, at + 8). Eight rounds per turn rename a..h instead of shifting them. */
function rounds(s: Int32Array, at: number, w: Int32Array, wAt: number): void {
  let a = s[at]!;
  let b = s[at + 1]!;
  let c = s[at + 2]!;
  let d = s[at + 3]!;
  let e = s[at + 4]!;
  let f = s[at + 5]!;
  let g = s[at + 6]!;
  let h = s[at + 7]!;
  for (let i = 0; i < 64; i += 8) {
    const j = wAt + i;
    h = (h + bigSigma1(e) + (g ^ (e & (f ^ g))) + K[i]! + w[j]!) | 0;
    d = (d + h) | 0;
    h = (h + bigSigma0(a) + ((a & b) | (c & (a | b)))) | 0;
    g = (g + bigSigma1(d) + (f ^ (d & (e ^ f))) + K[i + 1]! + w[j + 1]!) | 0;
    c = (c + g) | 0;
    g = (g + bigSigma0(h) + ((h & a) | (b & (h | a)))) | 0;
    f = (f + bigSigma1(c) + (e ^ (c & (d ^ e))) + K[i + 2]! + w[j + 2]!) | 0;
    b = (b + f) | 0;
    f = (f + bigSigma0(g) + ((g & h) | (a & (g | h)))) | 0;
    e = (e + bigSigma1(b) + (d ^ (b & (c ^ d))) + K[i + 3]! + w[j + 3]!) | 0;
    a = (a + e) | 0;
    e = (e + bigSigma0(f) + ((f & g) | (h & (f | g)))) | 0;
    d = (d + bigSigma1(a) + (c ^ (a & (b ^ c))) + K[i + 4]! + w[j + 4]!) | 0;
    h = (h + d) | 0;
    d = (d + bigSigma0(e) + ((e & f) | (g & (e | f)))) | 0;
    c = (c + bigSigma1(h) + (b ^ (h & (a ^ b))) + K[i + 5]! + w[j + 5]!) | 0;
    g = (g + c) | 0;
    c = (c + bigSigma0(d) + ((d & e) | (f & (d | e)))) | 0;
    b = (b + bigSigma1(g) + (a ^ (g & (h ^ a))) + K[i + 6]! + w[j + 6]!) | 0;
    f = (f + b) | 0;
    b = (b + bigSigma0(c) + ((c & d) | (e & (c | d)))) | 0;
    a = (a + bigSigma1(f) + (h ^ (f & (g ^ h))) + K[i + 7]! + w[j + 7]!) | 0;
    e = (e + a) | 0;
    a = (a + bigSigma0(b) + ((b & c) | (d & (b | c)))) | 0;
  }
  s[at] = (s[at]! + a) | 0;
  s[at + 1] = (s[at + 1]! + b) | 0;
  s[at + 2] = (s[at + 2]! + c) | 0;
  s[at + 3] = (s[at + 3]! + d) | 0;
  s[at + 4] = (s[at + 4]! + e) | 0;
  s[at + 5] = (s[at + 5]! + f) | 0;
  s[at + 6] = (s[at + 6]! + g) | 0;
  s[at + 7] = (s[at + 7]! + h) | 0;
}

function initState(s: Int32Array, at: number): void {
  s[at] = IV0;
  s[at + 1] = IV1;
  s[at + 2] = IV2;
  s[at + 3] = IV3;
  s[at + 4] = IV4;
  s[at + 5] = IV5;
  s[at + 6] = IV6;
  s[at + 7] = IV7;
}

/**
 * A node's second block is its last byte, the 0x80 pad, zeros and the length (520 bits): its
 * schedule depends on that one byte only, so all 256 are computed once (64 KiB).
 */
const NODE_TAIL_SCHEDULES = new Int32Array(256 * 64);
for (let last = 0; last < 256; last++) {
  W.fill(0);
  W[0] = (last << 24) | 0x800000;
  W[15] = 65 * 8;
  expand(W);
  NODE_TAIL_SCHEDULES.set(W, last * 64);
}

/** State for one node, so that the output may overwrite an input. */
const T = new Int32Array(8);

/** SHA-256(0x00 ‖ entry) for the 8-word entry src[at, at + 8), written to out[outAt, outAt + 8). */
export function leafWords(src: Int32Array, at: number, out: Int32Array, outAt: number): void {
  const w = W;
  let carry = 0;
  for (let i = 0; i < 8; i++) {
    const x = src[at + i]!;
    w[i] = (carry << 24) | (x >>> 8);
    carry = x;
  }
  w[8] = (carry << 24) | 0x800000;
  w[9] = 0;
  w[10] = 0;
  w[11] = 0;
  w[12] = 0;
  w[13] = 0;
  w[14] = 0;
  w[15] = 33 * 8;
  expand(w);
  initState(out, outAt);
  rounds(out, outAt, w, 0);
}

/** SHA-256(0x01 ‖ left ‖ right) for 8-word children; out may be either input. */
export function nodeWords(
  left: Int32Array,
  leftAt: number,
  right: Int32Array,
  rightAt: number,
  out: Int32Array,
  outAt: number,
): void {
  const w = W;
  let carry = 1;
  for (let i = 0; i < 8; i++) {
    const x = left[leftAt + i]!;
    w[i] = (carry << 24) | (x >>> 8);
    carry = x;
  }
  for (let i = 0; i < 8; i++) {
    const x = right[rightAt + i]!;
    w[8 + i] = (carry << 24) | (x >>> 8);
    carry = x;
  }
  expand(w);
  const s = T;
  initState(s, 0);
  rounds(s, 0, w, 0);
  rounds(s, 0, NODE_TAIL_SCHEDULES, (carry & 0xff) * 64);
  for (let i = 0; i < 8; i++) out[outAt + i] = s[i]!;
}

/** Reads 32 bytes as 8 big-endian words. */
export function bytesToWords(src: Uint8Array, at: number, out: Int32Array, outAt: number): void {
  for (let i = 0; i < 8; i++) {
    const j = at + i * 4;
    out[outAt + i] = (src[j]! << 24) | (src[j + 1]! << 16) | (src[j + 2]! << 8) | src[j + 3]!;
  }
}

/**
 * Reads a digest given as a 32-character latin1 string (node:crypto's `hash(…, "binary")`, i.e. latin1, which
 * skips allocating a Buffer per call and so costs well under half of `hash(…, "buffer")`).
 */
export function latin1ToWords(digest: string, out: Int32Array, outAt: number): void {
  for (let i = 0; i < 8; i++) {
    const j = i * 4;
    out[outAt + i] =
      (digest.charCodeAt(j) << 24) |
      (digest.charCodeAt(j + 1) << 16) |
      (digest.charCodeAt(j + 2) << 8) |
      digest.charCodeAt(j + 3);
  }
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) HEX_VALUE[c < 10 ? 0x30 + c : 0x57 + c] = c;

/** Reads 64 lowercase hex digits (known to be valid, e.g. node:crypto's output) as 8 words. */
export function hexToWords(hex: string, out: Int32Array, outAt: number): void {
  for (let i = 0; i < 8; i++) {
    let word = 0;
    for (let j = i * 8; j < i * 8 + 8; j++) word = (word << 4) | HEX_VALUE[hex.charCodeAt(j)]!;
    out[outAt + i] = word;
  }
}

/** Writes 8 words as 32 big-endian bytes. */
export function wordsToBytes(src: Int32Array, at: number, out: Uint8Array, outAt: number): void {
  for (let i = 0; i < 8; i++) {
    const v = src[at + i]!;
    const j = outAt + i * 4;
    out[j] = v >>> 24;
    out[j + 1] = v >>> 16;
    out[j + 2] = v >>> 8;
    out[j + 3] = v;
  }
}
