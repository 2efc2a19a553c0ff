// Constants of the GGUF file format (ggml docs/gguf.md), shared by the writer and the reader.

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types. */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

/** Byte size of each fixed-size metadata value type. */
export const scalarSize: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

export const GgmlType = { F32: 0, F16: 1 } as const;

/**
 * ggml tensor types llama.cpp (as bundled with node-llama-cpp 3.21.1) can load:
 * [name, elements per block, bytes per block]. Types 4, 5, 31–33 and 36–38 were removed
 * from ggml; a file using them is rejected before llama.cpp sees it.
 */
export const ggmlTypes: Record<number, readonly [string, number, number]> = {
  0: ["F32", 1, 4],
  1: ["F16", 1, 2],
  2: ["Q4_0", 32, 18],
  3: ["Q4_1", 32, 20],
  6: ["Q5_0", 32, 22],
  7: ["Q5_1", 32, 24],
  8: ["Q8_0", 32, 34],
  9: ["Q8_1", 32, 36],
  10: ["Q2_K", 256, 84],
  11: ["Q3_K", 256, 110],
  12: ["Q4_K", 256, 144],
  13: ["Q5_K", 256, 176],
  14: ["Q6_K", 256, 210],
  15: ["Q8_K", 256, 292],
  16: ["IQ2_XXS", 256, 66],
  17: ["IQ2_XS", 256, 74],
  18: ["IQ3_XXS", 256, 98],
  19: ["IQ1_S", 256, 50],
  20: ["IQ4_NL", 32, 18],
  21: ["IQ3_S", 256, 110],
  22: ["IQ2_S", 256, 82],
  23: ["IQ4_XS", 256, 136],
  24: ["I8", 1, 1],
  25: ["I16", 1, 2],
  26: ["I32", 1, 4],
  27: ["I64", 1, 8],
  28: ["F64", 1, 8],
  29: ["IQ1_M", 256, 56],
  30: ["BF16", 1, 2],
  34: ["TQ1_0", 256, 54],
  35: ["TQ2_0", 256, 66],
  39: ["MXFP4", 32, 17],
  40: ["NVFP4", 64, 36],
  41: ["Q1_0", 128, 18],
  42: ["Q2_0", 64, 18],
};

export function ggmlTypeName(type: number): string {
  return ggmlTypes[type]?.[0] ?? `type ${type}`;
}

/** Bytes a tensor of this type and shape occupies, or undefined for an unknown type or a row not made of whole blocks. */
export function tensorByteSize(type: number, dims: readonly bigint[]): bigint | undefined {
  const spec = ggmlTypes[type];
  if (!spec) return undefined;
  const [, blockSize, typeSize] = spec;
  const [first = 1n, ...rest] = dims;
  if (first % BigInt(blockSize) !== 0n) return undefined;
  let bytes = (first / BigInt(blockSize)) * BigInt(typeSize);
  for (const d of rest) bytes *= d;
  return bytes;
}

export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}
