// 384 sign vectors in 64 dimensions whose pairwise cosine is never above 1/8: the first-order
// Reed–Muller code (64 Walsh–Hadamard rows and their negations, cosines 0 or −1) and two of
// its cosets shifted by bent quadratic forms Q1, Q2 with Q1 + Q2 also bent, so vectors from
// different cosets have cosine ±1/8. 260 of them give each token an output direction with
// a clear margin (a cosine of 1 against at most 1/8) — better than random vectors
// (≈0.5 at this size) and close to the Welch bound (≈0.11).

export const CODE_DIM = 64;
export const CODE_COUNT = 384;

/** Bent quadratic forms on 6 bits, as lists of variable pairs (x_i · x_j terms). */
const cosetForms: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [],
  [
    [0, 5],
    [1, 4],
    [2, 3],
  ],
  [
    [0, 3],
    [0, 4],
    [1, 5],
    [2, 4],
  ],
];

function parity(v: number): number {
  let p = 0;
  for (let x = v; x !== 0; x &= x - 1) p ^= 1;
  return p;
}

function bit(x: number, i: number): number {
  return (x >> i) & 1;
}

/** Code vector `index` (0–383) with entries ±1. */
export function codeVector(index: number): Int8Array {
  if (!Number.isInteger(index) || index < 0 || index >= CODE_COUNT) throw new RangeError(`code index ${index}`);
  const form = cosetForms[Math.floor(index / 128)] ?? [];
  const sign = index % 128 >= 64 ? 1 : 0;
  const linear = index % 64;
  const vector = new Int8Array(CODE_DIM);
  for (let x = 0; x < CODE_DIM; x++) {
    let quadratic = 0;
    for (const [i, j] of form) quadratic ^= bit(x, i) & bit(x, j);
    vector[x] = (parity(linear & x) ^ quadratic ^ sign) === 0 ? 1 : -1;
  }
  return vector;
}
