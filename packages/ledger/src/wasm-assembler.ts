// The few pieces of the WebAssembly binary format (https://webassembly.github.io/spec/core/binary/)
// needed to assemble a module of straight-line SIMD functions in code, so no compiled artefact is
// checked in and nothing is downloaded or built at install: instructions are appended to a `Code`,
// and `assembleModule` wraps functions of type (i32, i32, i32) -> () and one exported memory.

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Buffer.from(text, "latin1")];
}

const SIMD = 0xfd;
const I32 = 0x7f;
const V128 = 0x7b;

/** A function body under construction; each method appends one instruction (stack machine order). */
export class Code {
  readonly bytes: number[] = [];
  /** v128 locals after the i32 parameters */
  readonly vectors: number;

  constructor(vectors: number) {
    this.vectors = vectors;
  }

  get(local: number): this {
    this.bytes.push(0x20, ...uleb(local));
    return this;
  }
  set(local: number): this {
    this.bytes.push(0x21, ...uleb(local));
    return this;
  }
  i32(value: number): this {
    this.bytes.push(0x41, ...sleb(value));
    return this;
  }
  i32Add(): this {
    this.bytes.push(0x6a);
    return this;
  }
  i32Sub(): this {
    this.bytes.push(0x6b);
    return this;
  }
  /** Runs `body` while the i32 in `counter` is not zero (the body must decrement it). */
  whileNonZero(counter: number, body: () => void): this {
    this.bytes.push(0x02, 0x40, 0x03, 0x40); // block, loop
    this.get(counter).bytes.push(0x45, 0x0d, 1); // i32.eqz, br_if to the block's end
    body();
    this.bytes.push(0x0c, 0, 0x0b, 0x0b); // br to the loop, end loop, end block
    return this;
  }
  /** i32x4.splat of a constant */
  splat(value: number): this {
    return this.i32(value).simd(0x11);
  }
  /** v128.load from the address on the stack plus `offset` */
  load(offset: number): this {
    this.bytes.push(SIMD, 0x00, 4, ...uleb(offset));
    return this;
  }
  /** v128.store (address, value on the stack) at `offset` */
  store(offset: number): this {
    this.bytes.push(SIMD, 0x0b, 4, ...uleb(offset));
    return this;
  }
  add(): this {
    return this.simd(0xae);
  }
  xor(): this {
    return this.simd(0x51);
  }
  or(): this {
    return this.simd(0x50);
  }
  /** v128.bitselect(a, b, mask): bits of a where mask is 1, else of b */
  bitselect(): this {
    return this.simd(0x52);
  }
  shl(bits: number): this {
    return this.i32(bits).simd(0xab);
  }
  shrU(bits: number): this {
    return this.i32(bits).simd(0xad);
  }
  /** i8x16.shuffle of the two vectors on the stack picking 32-bit lanes (0-3 from the first, 4-7 from the second). */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    this.bytes.push(SIMD, 0x0d, ...lanes.flatMap((lane) => [lane * 4, lane * 4 + 1, lane * 4 + 2, lane * 4 + 3]));
    return this;
  }
  /** Each lane of a local rotated right by `bits`. */
  rotr(local: number, bits: number): this {
    return this.get(local)
      .shrU(bits)
      .get(local)
      .shl(32 - bits)
      .or();
  }

  private simd(op: number): this {
    this.bytes.push(SIMD, ...uleb(op));
    return this;
  }
}

/** A module exporting `memory` (pages of 64 KiB) and each function, all of type (i32, i32, i32) -> (). */
export function assembleModule(pages: number, functions: { name: string; code: Code }[]): Uint8Array {
  const type = [0x60, ...vector([[I32], [I32], [I32]]), 0x00];
  const bodies = functions.map(({ code }) => {
    const body = [...vector([[...uleb(code.vectors), V128]]), ...code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([type])),
    ...section(3, vector(functions.map(() => [0]))),
    ...section(5, vector([[0x00, ...uleb(pages)]])),
    ...section(
      7,
      vector([[...name("memory"), 0x02, 0], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])]),
    ),
    ...section(10, vector(bodies)),
  ]);
}
