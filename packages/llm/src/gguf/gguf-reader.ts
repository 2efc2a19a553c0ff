// Reads and checks a GGUF header (metadata and tensor infos) without loading tensor data.
// llama.cpp may abort the whole process on some malformed files, so every length, count,
// type and offset is checked against the file size here before llama.cpp sees the file.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { LlmError } from "../errors.ts";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgufValueType,
  ggmlTypeName,
  ggmlTypes,
  scalarSize,
  tensorByteSize,
} from "./gguf-format.ts";

export type GgufMetadataValue = number | bigint | boolean | string | GgufMetadataValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  type: number;
  typeName: string;
  /** Offset from the start of the tensor data section. */
  offset: number;
  byteSize: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufMetadataValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Where the tensor data section starts in the file. */
  dataOffset: number;
  fileSize: number;
}

/** Random access to the bytes of a file or buffer. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the caller checks the bounds). */
  read(offset: number, length: number): Uint8Array;
}

const MAX_DIMS = 4;
const MAX_ARRAY_DEPTH = 4;

/** A defect in the file; `readGgufHeader` turns it into MODEL_CORRUPT naming the file. */
export class GgufFormatError extends Error {
  override name = "GgufFormatError";
}

class Cursor {
  offset = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });
  private readonly source: ByteSource;
  constructor(source: ByteSource) {
    this.source = source;
  }

  get remaining(): number {
    return this.source.size - this.offset;
  }
  private take(n: number, what: string): DataView {
    if (n > this.remaining) {
      throw new GgufFormatError(
        `file ends inside ${what} at byte ${this.offset} (needs ${n} more bytes, ${this.remaining} left): truncated?`,
      );
    }
    const bytes = this.source.read(this.offset, n);
    this.offset += n;
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(what: string) {
    return this.take(1, what).getUint8(0);
  }
  u32(what: string) {
    return this.take(4, what).getUint32(0, true);
  }
  u64(what: string): bigint {
    return this.take(8, what).getBigUint64(0, true);
  }
  /** A count or length that must fit in a JS number and in what is left of the file. */
  size(what: string, minBytesEach: number): number {
    const value = this.u64(what);
    if (value * BigInt(minBytesEach) > BigInt(this.remaining)) {
      throw new GgufFormatError(`${what} is ${value}, more than the rest of the file can hold: truncated or corrupt`);
    }
    return Number(value);
  }
  str(what: string): string {
    const length = this.size(`length of ${what}`, 1);
    const view = this.take(length, what);
    return this.decoder.decode(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  }
  scalar(type: number, what: string): GgufMetadataValue {
    const size = scalarSize[type] ?? 0;
    const view = this.take(size, what);
    switch (type) {
      case GgufValueType.UINT8:
        return view.getUint8(0);
      case GgufValueType.INT8:
        return view.getInt8(0);
      case GgufValueType.UINT16:
        return view.getUint16(0, true);
      case GgufValueType.INT16:
        return view.getInt16(0, true);
      case GgufValueType.UINT32:
        return view.getUint32(0, true);
      case GgufValueType.INT32:
        return view.getInt32(0, true);
      case GgufValueType.FLOAT32:
        return view.getFloat32(0, true);
      case GgufValueType.BOOL:
        return view.getUint8(0) !== 0;
      case GgufValueType.UINT64:
        return view.getBigUint64(0, true);
      case GgufValueType.INT64:
        return view.getBigInt64(0, true);
      default:
        return view.getFloat64(0, true);
    }
  }
}

function readValue(cursor: Cursor, type: number, key: string, depth: number): GgufMetadataValue {
  if (type === GgufValueType.STRING) return cursor.str(`value of ${key}`);
  if (type === GgufValueType.ARRAY) {
    if (depth >= MAX_ARRAY_DEPTH) throw new GgufFormatError(`metadata ${key}: arrays nested too deep`);
    const itemType = cursor.u32(`item type of ${key}`);
    if (!isValueType(itemType)) throw new GgufFormatError(`metadata ${key}: unknown array item type ${itemType}`);
    // Strings and arrays take at least 8 bytes (their length), scalars their size.
    const count = cursor.size(`item count of ${key}`, scalarSize[itemType] ?? 8);
    const items: GgufMetadataValue[] = new Array(count);
    for (let i = 0; i < count; i++) items[i] = readValue(cursor, itemType, key, depth + 1);
    return items;
  }
  return cursor.scalar(type, `value of ${key}`);
}

function isValueType(type: number): boolean {
  return type >= 0 && type <= GgufValueType.FLOAT64;
}

/** Parses and checks a GGUF header. Throws GgufFormatError on any defect. */
export function parseGgufHeader(source: ByteSource): GgufHeader {
  const cursor = new Cursor(source);
  if (source.size < 4) throw new GgufFormatError(`is only ${source.size} bytes long: not a GGUF model`);
  const magic = cursor.u32("the magic number");
  if (magic !== GGUF_MAGIC) {
    const head = source.read(0, 4);
    const text = String.fromCharCode(...head);
    if (/^(ggml|ggmf|ggjt|lmgg|fmgg|tjgg)$/.test(text)) {
      throw new GgufFormatError("is an old GGML-era model file; convert it to GGUF with llama.cpp's tools");
    }
    const hex = Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new GgufFormatError(`does not start with the GGUF magic (found bytes ${hex}): not a GGUF model`);
  }
  const version = cursor.u32("the version");
  if (version < 2 || version > 3) {
    throw new GgufFormatError(`is GGUF version ${version}; only versions 2 and 3 are supported`);
  }
  // A tensor info takes at least 8 (name) + 4 + 8 + 4 + 8 bytes, a key/value 8 + 4 + 1.
  const tensorCount = cursor.size("the tensor count", 32);
  const kvCount = cursor.size("the metadata count", 13);

  const metadata = new Map<string, GgufMetadataValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = cursor.str(`metadata key #${i}`);
    const type = cursor.u32(`type of ${key}`);
    if (!isValueType(type)) throw new GgufFormatError(`metadata ${key}: unknown value type ${type}`);
    if (metadata.has(key)) throw new GgufFormatError(`metadata key ${key} appears twice`);
    metadata.set(key, readValue(cursor, type, key, 0));
  }

  const alignmentValue = metadata.get("general.alignment") ?? GGUF_DEFAULT_ALIGNMENT;
  if (typeof alignmentValue !== "number" || alignmentValue <= 0 || (alignmentValue & (alignmentValue - 1)) !== 0) {
    throw new GgufFormatError(`general.alignment must be a power of two, found ${String(alignmentValue)}`);
  }
  const alignment = alignmentValue;

  const raw: { name: string; dims: bigint[]; type: number; offset: bigint }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = cursor.str(`name of tensor #${i}`);
    if (names.has(name)) throw new GgufFormatError(`tensor ${name} appears twice`);
    names.add(name);
    const nDims = cursor.u32(`dimension count of ${name}`);
    if (nDims < 1 || nDims > MAX_DIMS)
      throw new GgufFormatError(`tensor ${name} has ${nDims} dimensions (1–4 allowed)`);
    const dims: bigint[] = [];
    for (let d = 0; d < nDims; d++) dims.push(cursor.u64(`dimension ${d} of ${name}`));
    const type = cursor.u32(`type of ${name}`);
    const offset = cursor.u64(`offset of ${name}`);
    raw.push({ name, dims, type, offset });
  }

  const dataOffset = Math.ceil(cursor.offset / alignment) * alignment;
  const dataSize = BigInt(Math.max(0, source.size - dataOffset));
  const tensors: GgufTensorInfo[] = raw.map(({ name, dims, type, offset }) => {
    if (!ggmlTypes[type]) throw new GgufFormatError(`tensor ${name} has unsupported ggml type ${type}`);
    const byteSize = tensorByteSize(type, dims);
    if (byteSize === undefined) {
      throw new GgufFormatError(
        `tensor ${name}: row length ${dims[0]} is not a whole number of ${ggmlTypeName(type)} blocks`,
      );
    }
    if (offset % BigInt(alignment) !== 0n) {
      throw new GgufFormatError(
        `tensor ${name} starts at offset ${offset}, not a multiple of the alignment ${alignment}`,
      );
    }
    if (offset + byteSize > dataSize) {
      throw new GgufFormatError(
        `tensor ${name} ends at byte ${BigInt(dataOffset) + offset + byteSize} but the file has ${source.size}: truncated`,
      );
    }
    return {
      name,
      dims: dims.map(Number),
      type,
      typeName: ggmlTypeName(type),
      offset: Number(offset),
      byteSize: Number(byteSize),
    };
  });

  return { version, metadata, tensors, alignment, dataOffset, fileSize: source.size };
}

/** A ByteSource over an open file descriptor, reading through a 1 MiB window. */
function fileSource(fd: number, size: number): ByteSource {
  const windowSize = 1 << 20;
  let window = new Uint8Array(0);
  let windowStart = 0;
  return {
    size,
    read(offset, length) {
      if (offset >= windowStart && offset + length <= windowStart + window.length) {
        return window.subarray(offset - windowStart, offset - windowStart + length);
      }
      const buffer = new Uint8Array(Math.min(Math.max(length, windowSize), size - offset));
      const got = readSync(fd, buffer, 0, buffer.length, offset);
      window = buffer.subarray(0, got);
      windowStart = offset;
      return window.subarray(0, length);
    },
  };
}

/**
 * Reads the header of a GGUF file. Throws LlmError MODEL_NOT_FOUND when the file is missing
 * and MODEL_CORRUPT when it is not a GGUF model llama.cpp could load.
 */
export function readGgufHeader(file: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new LlmError("MODEL_NOT_FOUND", `model file ${file} does not exist`, { file }, { cause: error });
    }
    throw new LlmError("MODEL_NOT_FOUND", `cannot open model file ${file}: ${(error as Error).message}`, { file });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new LlmError("MODEL_NOT_FOUND", `model path ${file} is not a file`, { file });
    return parseGgufHeader(fileSource(fd, stat.size));
  } catch (error) {
    if (error instanceof GgufFormatError) {
      throw new LlmError("MODEL_CORRUPT", `model file ${file} ${withVerb(error.message)}`, { file }, { cause: error });
    }
    throw error;
  } finally {
    closeSync(fd);
  }
}

// Messages read "model file X is truncated…" / "model file X does not start…".
function withVerb(reason: string): string {
  return /^(is|does|has) /.test(reason) ? reason : `is not a valid GGUF model: ${reason}`;
}

/** Convenience accessors for the metadata llama models carry. */
export function metadataString(header: GgufHeader, key: string): string | undefined {
  const value = header.metadata.get(key);
  return typeof value === "string" ? value : undefined;
}

export function metadataNumber(header: GgufHeader, key: string): number | undefined {
  const value = header.metadata.get(key);
  if (typeof value === "number") return value;
  if (typeof value === "bigint" && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return undefined;
}
