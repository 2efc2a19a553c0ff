// Encodes a GGUF v3 file: header, metadata key/values, tensor infos, then the tensor data,
// each tensor aligned to `general.alignment` (32 bytes). Pure: bytes in, bytes out.

import {
  alignUp,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgufValueType,
  tensorByteSize,
} from "./gguf-format.ts";

export type GgufWriteValue =
  | { kind: "u32"; value: number }
  | { kind: "f32"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "str"; value: string }
  | { kind: "str[]"; value: readonly string[] }
  | { kind: "f32[]"; value: readonly number[] }
  | { kind: "i32[]"; value: readonly number[] };

export interface GgufWriteTensor {
  name: string;
  /** ggml type id (0 = F32, 1 = F16, …). */
  type: number;
  /** ggml order: dims[0] is the fastest-varying (row length). */
  dims: readonly number[];
  /** Raw little-endian tensor data, exactly the size the type and dims call for. */
  data: Uint8Array;
}

const utf8 = new TextEncoder();

/** Little-endian byte sink that grows as needed. */
class Sink {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  length = 0;

  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.bytes.length) {
      const next = new Uint8Array(Math.max(this.bytes.length * 2, at + n));
      next.set(this.bytes.subarray(0, at));
      this.bytes = next;
      this.view = new DataView(next.buffer);
    }
    this.length += n;
    return at;
  }
  u32(v: number) {
    this.view.setUint32(this.reserve(4), v, true);
  }
  i32(v: number) {
    this.view.setInt32(this.reserve(4), v, true);
  }
  u64(v: number | bigint) {
    this.view.setBigUint64(this.reserve(8), BigInt(v), true);
  }
  f32(v: number) {
    this.view.setFloat32(this.reserve(4), v, true);
  }
  u8(v: number) {
    this.view.setUint8(this.reserve(1), v);
  }
  str(s: string) {
    const encoded = utf8.encode(s);
    this.u64(encoded.length);
    this.raw(encoded);
  }
  raw(data: Uint8Array) {
    const at = this.reserve(data.length); // may swap in a bigger buffer: take it after
    this.bytes.set(data, at);
  }
  padTo(alignment: number) {
    const target = alignUp(this.length, alignment);
    // Bytes past `length` are still zero: the buffer only grows and is never rewound.
    this.reserve(target - this.length);
  }
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function writeValue(sink: Sink, value: GgufWriteValue): void {
  switch (value.kind) {
    case "u32":
      sink.u32(GgufValueType.UINT32);
      sink.u32(value.value);
      return;
    case "f32":
      sink.u32(GgufValueType.FLOAT32);
      sink.f32(value.value);
      return;
    case "bool":
      sink.u32(GgufValueType.BOOL);
      sink.u8(value.value ? 1 : 0);
      return;
    case "str":
      sink.u32(GgufValueType.STRING);
      sink.str(value.value);
      return;
    case "str[]":
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.STRING);
      sink.u64(value.value.length);
      for (const s of value.value) sink.str(s);
      return;
    case "f32[]":
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.FLOAT32);
      sink.u64(value.value.length);
      for (const v of value.value) sink.f32(v);
      return;
    case "i32[]":
      sink.u32(GgufValueType.ARRAY);
      sink.u32(GgufValueType.INT32);
      sink.u64(value.value.length);
      for (const v of value.value) sink.i32(v);
      return;
  }
}

export function encodeGguf(
  metadata: ReadonlyArray<readonly [string, GgufWriteValue]>,
  tensors: readonly GgufWriteTensor[],
): Uint8Array {
  const alignmentEntry = metadata.find(([key]) => key === "general.alignment")?.[1];
  const alignment = alignmentEntry?.kind === "u32" ? alignmentEntry.value : GGUF_DEFAULT_ALIGNMENT;

  const sink = new Sink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(metadata.length);
  for (const [key, value] of metadata) {
    sink.str(key);
    writeValue(sink, value);
  }

  let offset = 0;
  for (const tensor of tensors) {
    const expected = tensorByteSize(tensor.type, tensor.dims.map(BigInt));
    if (expected === undefined || expected !== BigInt(tensor.data.length)) {
      throw new Error(
        `tensor ${tensor.name}: ${tensor.data.length} bytes of data, its type and shape need ${expected}`,
      );
    }
    sink.str(tensor.name);
    sink.u32(tensor.dims.length);
    for (const d of tensor.dims) sink.u64(d);
    sink.u32(tensor.type);
    sink.u64(offset);
    offset = alignUp(offset + tensor.data.length, alignment);
  }

  sink.padTo(alignment);
  for (const tensor of tensors) {
    sink.raw(tensor.data);
    sink.padTo(alignment);
  }
  return sink.result();
}
