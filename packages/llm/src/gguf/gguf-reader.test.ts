import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeTinyModel } from "../tiny-model/tiny-model.ts";
import { type ByteSource, GgufFormatError, parseGgufHeader } from "./gguf-reader.ts";
import { encodeGguf } from "./gguf-writer.ts";

const source = (bytes: Uint8Array): ByteSource => ({
  size: bytes.length,
  read: (offset, length) => bytes.subarray(offset, offset + length),
});

const parse = (bytes: Uint8Array) => parseGgufHeader(source(bytes));

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

const small = () =>
  encodeGguf(
    [
      ["general.architecture", { kind: "str", value: "llama" }],
      ["answer", { kind: "u32", value: 42 }],
      ["ratio", { kind: "f32", value: 0.5 }],
      ["flag", { kind: "bool", value: true }],
      ["names", { kind: "str[]", value: ["a", "ü", ""] }],
      ["ints", { kind: "i32[]", value: [-1, 0, 7] }],
    ],
    [
      { name: "alpha", type: 0, dims: [3], data: f32([1, 2, 3]) },
      { name: "beta", type: 0, dims: [2, 2], data: f32([1, 2, 3, 4]) },
    ],
  );

describe("GGUF writer and reader", () => {
  it("reads back every metadata type and tensor the writer wrote, with data aligned to 32 bytes", () => {
    const bytes = small();
    const header = parse(bytes);
    expect(header.version).toBe(3);
    expect(Object.fromEntries(header.metadata)).toEqual({
      "general.architecture": "llama",
      answer: 42,
      ratio: 0.5,
      flag: true,
      names: ["a", "ü", ""],
      ints: [-1, 0, 7],
    });
    expect(
      header.tensors.map(({ name, dims, typeName, offset, byteSize }) => ({ name, dims, typeName, offset, byteSize })),
    ).toEqual([
      { name: "alpha", dims: [3], typeName: "F32", offset: 0, byteSize: 12 },
      { name: "beta", dims: [2, 2], typeName: "F32", offset: 32, byteSize: 16 },
    ]);
    expect(header.dataOffset % 32).toBe(0);
    const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset + 32, 16);
    expect(view.getFloat32(12, true)).toBe(4);
  });

  it("refuses to write a tensor whose data does not match its shape", () => {
    expect(() => encodeGguf([], [{ name: "x", type: 0, dims: [4], data: f32([1, 2, 3]) }])).toThrow(
      /tensor x: 12 bytes/,
    );
  });
});

describe("GGUF header checks (what llama.cpp must never see)", () => {
  const tiny = encodeTinyModel();

  it("rejects an empty file, random bytes and old GGML files with a reason", () => {
    expect(() => parse(new Uint8Array(0))).toThrow(/is only 0 bytes long/);
    expect(() => parse(new TextEncoder().encode("hello world, not a model"))).toThrow(
      /does not start with the GGUF magic \(found bytes 68 65 6c 6c\)/,
    );
    expect(() => parse(new TextEncoder().encode("ggjt\x03\x00\x00\x00"))).toThrow(/old GGML-era model/);
  });

  it("rejects GGUF versions it does not support", () => {
    const v1 = small();
    new DataView(v1.buffer).setUint32(4, 1, true);
    expect(() => parse(v1)).toThrow(/GGUF version 1; only versions 2 and 3/);
    const v9 = small();
    new DataView(v9.buffer).setUint32(4, 9, true);
    expect(() => parse(v9)).toThrow(/GGUF version 9/);
  });

  it("rejects counts larger than the file could hold instead of allocating for them", () => {
    const bytes = small();
    new DataView(bytes.buffer).setBigUint64(8, 1n << 60n, true);
    expect(() => parse(bytes)).toThrow(/tensor count is 1152921504606846976, more than the rest of the file can hold/);
  });

  it("rejects a truncated model, naming the tensor that runs past the end", () => {
    expect(() => parse(tiny.subarray(0, tiny.length - 1000))).toThrow(
      /tensor blk\.1\.ffn_down\.weight ends at byte \d+ but the file has \d+: truncated/,
    );
  });

  it("rejects duplicate keys, unknown tensor types, misaligned offsets and bad alignment", () => {
    const dup = encodeGguf(
      [
        ["k", { kind: "u32", value: 1 }],
        ["k", { kind: "u32", value: 2 }],
      ],
      [],
    );
    expect(() => parse(dup)).toThrow(/metadata key k appears twice/);

    const bytes = small();
    const typeAt = findTensorTypeOffset(bytes, "alpha");
    const badType = bytes.slice();
    new DataView(badType.buffer).setUint32(typeAt, 77, true);
    expect(() => parse(badType)).toThrow(/tensor alpha has unsupported ggml type 77/);
    const misaligned = bytes.slice();
    new DataView(misaligned.buffer).setBigUint64(typeAt + 4, 4n, true);
    expect(() => parse(misaligned)).toThrow(/tensor alpha starts at offset 4, not a multiple of the alignment 32/);

    const odd = encodeGguf([["general.alignment", { kind: "u32", value: 24 }]], []);
    expect(() => parse(odd)).toThrow(/general.alignment must be a power of two, found 24/);
  });

  it("answers any prefix of a real model with a GgufFormatError, never another exception", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: tiny.length - 1 }), (length) => {
        try {
          parse(tiny.subarray(0, length));
          return false;
        } catch (error) {
          return error instanceof GgufFormatError;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("answers random bytes behind a valid magic with a GgufFormatError or a header, never a crash", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 256 }), (tail) => {
        const bytes = new Uint8Array(8 + tail.length);
        bytes.set([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]);
        bytes.set(tail, 8);
        try {
          parse(bytes);
          return true;
        } catch (error) {
          return error instanceof GgufFormatError;
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** Byte offset of the ggml type field in the tensor info of `name` (after its dims). */
function findTensorTypeOffset(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  for (let at = 24; at < bytes.length - 8; at++) {
    if (
      view.getBigUint64(at, true) === BigInt(name.length) &&
      String.fromCharCode(...bytes.subarray(at + 8, at + 8 + name.length)) === name
    ) {
      const dimsAt = at + 8 + name.length;
      const nDims = view.getUint32(dimsAt, true);
      if (nDims >= 1 && nDims <= 4) return dimsAt + 4 + nDims * 8;
    }
  }
  throw new Error(`tensor ${name} not found`);
}
