// SHA-256 in plain JavaScript for the two fixed-size messages of the Merkle tree: a leaf
// (0x00 ‖ 32 bytes) and a node (0x01 ‖ 32 ‖ 32 bytes). node:crypto costs about a microsecond per
// call whatever the size, which dominates for one or two blocks; this is 2-3x faster there, and
// verify computes two of these per record. Checked against node:crypto in sha256-small.test.ts.
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
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const W = new Int32Array(64);
const H = new Int32Array(8);
const block = new Uint8Array(128);

function compress(offset: number): void {
  const w = W;
  const m = block;
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    w[i] = (m[j]! << 24) | (m[j + 1]! << 16) | (m[j + 2]! << 8) | m[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  const k = K;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + (g ^ (e & (f ^ g))) + k[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) | (c & (a | b)))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

function digest(length: number, out: Uint8Array, at: number): void {
  // Padding: 0x80, zeros, then the bit length in the last two bytes (messages here are < 8 KiB).
  const blocks = length + 9 <= 64 ? 1 : 2;
  const end = blocks * 64;
  for (let i = length; i < end; i++) block[i] = 0;
  block[length] = 0x80;
  const bits = length * 8;
  block[end - 2] = bits >>> 8;
  block[end - 1] = bits & 0xff;
  for (let i = 0; i < 8; i++) H[i] = IV[i]!;
  compress(0);
  if (blocks === 2) compress(64);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[at + i * 4] = v >>> 24;
    out[at + i * 4 + 1] = (v >>> 16) & 0xff;
    out[at + i * 4 + 2] = (v >>> 8) & 0xff;
    out[at + i * 4 + 3] = v & 0xff;
  }
}

/** SHA-256(0x00 ‖ entry) for a 32-byte entry, written to out[at, at + 32). */
export function leafHash32Into(entry: Uint8Array, out: Uint8Array, at: number): void {
  block[0] = 0;
  for (let i = 0; i < 32; i++) block[1 + i] = entry[i]!;
  digest(33, out, at);
}

/** SHA-256(0x00 ‖ entry) for a 32-byte entry. */
export function leafHash32(entry: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(32);
  leafHash32Into(entry, out, 0);
  return out;
}

/** SHA-256(0x01 ‖ src[at, at + 64)): two adjacent 32-byte children, written to out[outAt, outAt + 32). */
export function nodeHash64Into(src: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
  block[0] = 1;
  for (let i = 0; i < 64; i++) block[1 + i] = src[at + i]!;
  digest(65, out, outAt);
}

/** SHA-256(0x01 ‖ left ‖ right) for 32-byte children. */
export function nodeHash32(left: Uint8Array, right: Uint8Array): Buffer {
  block[0] = 1;
  block.set(left, 1);
  block.set(right, 33);
  const out = Buffer.allocUnsafe(32);
  digest(65, out, 0);
  return out;
}
