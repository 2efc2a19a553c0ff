// The few pieces of the WebAssembly binary format (https://webassembly.github.io/spec/core/binary/)
// needed to assemble small modules in code, so no compiled artefact is checked in and nothing is
// downloaded or built at install: instructions are appended to a `Code`, and `assembleModule` wraps
// the functions (i32 parameters, no result or one i32), mutable i32 globals and one exported memory.
// Branches name their target by the label object its block handed out, never by a counted depth.

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
const VOID = 0x40;

/** A branch target handed to the body of block, loop or ifThen. */
export interface Label {
  readonly level: number;
}

export interface CodeShape {
  /** i32 parameters, locals 0 .. params - 1 (default 3) */
  params?: number;
  /** i32 locals after the parameters */
  i32Locals?: number;
  /** 1 when the function returns an i32 */
  results?: 0 | 1;
}

/** A function body under construction; each method appends one instruction (stack machine order). */
export class Code {
  readonly bytes: number[] = [];
  /** v128 locals after the parameters and i32 locals */
  readonly vectors: number;
  readonly params: number;
  readonly i32Locals: number;
  readonly results: 0 | 1;
  /** how many blocks enclose the next instruction */
  private level = 0;

  constructor(vectors: number, shape: CodeShape = {}) {
    this.vectors = vectors;
    this.params = shape.params ?? 3;
    this.i32Locals = shape.i32Locals ?? 0;
    this.results = shape.results ?? 0;
  }

  get(local: number): this {
    this.bytes.push(0x20, ...uleb(local));
    return this;
  }
  set(local: number): this {
    this.bytes.push(0x21, ...uleb(local));
    return this;
  }
  tee(local: number): this {
    this.bytes.push(0x22, ...uleb(local));
    return this;
  }
  globalGet(global: number): this {
    this.bytes.push(0x23, ...uleb(global));
    return this;
  }
  globalSet(global: number): this {
    this.bytes.push(0x24, ...uleb(global));
    return this;
  }
  i32(value: number): this {
    this.bytes.push(0x41, ...sleb(value));
    return this;
  }
  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GtS(): this {
    return this.op(0x4a);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32LeS(): this {
    return this.op(0x4c);
  }
  i32LeU(): this {
    return this.op(0x4d);
  }
  i32GeS(): this {
    return this.op(0x4e);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32Ctz(): this {
    return this.op(0x68);
  }
  i32Popcnt(): this {
    return this.op(0x69);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32Xor(): this {
    return this.op(0x73);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32ShrU(): this {
    return this.op(0x76);
  }
  /** f64.convert_i32_u */
  f64FromU32(): this {
    return this.op(0xb8);
  }
  f64(value: number): this {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(value);
    return this.op(0x44, ...bytes);
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  /** i32.load8_u from the address on the stack plus `offset` */
  load8(offset = 0): this {
    return this.op(0x2d, 0, ...uleb(offset));
  }
  /** i32.load (unaligned is allowed) from the address on the stack plus `offset` */
  i32Load(offset = 0): this {
    return this.op(0x28, 0, ...uleb(offset));
  }
  /** i32.store (address, value on the stack) at `offset` */
  i32Store(offset = 0): this {
    return this.op(0x36, 0, ...uleb(offset));
  }
  /** f64.store (address, value on the stack) at `offset` */
  f64Store(offset = 0): this {
    return this.op(0x39, 0, ...uleb(offset));
  }
  drop(): this {
    return this.op(0x1a);
  }
  return(): this {
    return this.op(0x0f);
  }
  call(func: number): this {
    return this.op(0x10, ...uleb(func));
  }

  private nest(opcode: number, body: (label: Label) => void, otherwise?: () => void): this {
    this.bytes.push(opcode, VOID);
    this.level++;
    body({ level: this.level });
    if (otherwise) {
      this.bytes.push(0x05);
      otherwise();
    }
    this.level--;
    this.bytes.push(0x0b);
    return this;
  }
  /** A block: branching to its label leaves it. */
  block(body: (end: Label) => void): this {
    return this.nest(0x02, body);
  }
  /** A loop: branching to its label starts it again; falling off its end leaves it. */
  loop(body: (again: Label) => void): this {
    return this.nest(0x03, body);
  }
  /** Runs `then` when the i32 on the stack is not zero, else `otherwise`. */
  ifThen(then: () => void, otherwise?: () => void): this {
    return this.nest(0x04, () => then(), otherwise);
  }
  br(label: Label): this {
    return this.op(0x0c, ...uleb(this.level - label.level));
  }
  /** Branches when the i32 on the stack is not zero. */
  brIf(label: Label): this {
    return this.op(0x0d, ...uleb(this.level - label.level));
  }

  /** Runs `body` while the i32 in `counter` is not zero (the body must decrement it). */
  whileNonZero(counter: number, body: () => void): this {
    return this.block((done) =>
      this.loop((again) => {
        this.get(counter).i32Eqz().brIf(done);
        body();
        this.br(again);
      }),
    );
  }
  /** i32x4.splat of a constant */
  splat(value: number): this {
    return this.i32(value).simd(0x11);
  }
  /** i8x16.splat of a constant */
  splat8(value: number): this {
    return this.i32(value).simd(0x0f);
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
  /** i8x16.eq */
  eq8(): this {
    return this.simd(0x23);
  }
  /** i8x16.lt_s */
  ltS8(): this {
    return this.simd(0x25);
  }
  /** i8x16.bitmask: one bit per byte lane (its top bit) as an i32 */
  bitmask8(): this {
    return this.simd(0x64);
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

export interface ModuleFunction {
  /** exported under this name; without one the function is internal (reachable by `call`) */
  name?: string;
  code: Code;
}

/**
 * A module exporting `memory` (pages of 64 KiB) and each named function. Functions are numbered in
 * the order given (for `call`); `globals` mutable i32 globals start at 0.
 */
export function assembleModule(pages: number, functions: ModuleFunction[], globals = 0): Uint8Array {
  const types: string[] = [];
  const typeOf = (code: Code) => {
    const key = `${code.params}:${code.results}`;
    if (!types.includes(key)) types.push(key);
    return types.indexOf(key);
  };
  const typeIndices = functions.map(({ code }) => typeOf(code));
  const typeEntries = types.map((key) => {
    const [params, results] = key.split(":").map(Number) as [number, number];
    return [0x60, ...vector(Array.from({ length: params }, () => [I32])), ...vector(results ? [[I32]] : [])];
  });
  const bodies = functions.map(({ code }) => {
    const locals: number[][] = [];
    if (code.i32Locals > 0) locals.push([...uleb(code.i32Locals), I32]);
    if (code.vectors > 0) locals.push([...uleb(code.vectors), V128]);
    const body = [...vector(locals), ...code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const exported = functions.flatMap((f, i) => (f.name === undefined ? [] : [[...name(f.name), 0x00, ...uleb(i)]]));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(typeEntries)),
    ...section(3, vector(typeIndices.map((t) => uleb(t)))),
    ...section(5, vector([[0x00, ...uleb(pages)]])),
    ...(globals > 0 ? section(6, vector(Array.from({ length: globals }, () => [I32, 0x01, 0x41, 0x00, 0x0b]))) : []),
    ...section(7, vector([[...name("memory"), 0x02, 0], ...exported])),
    ...section(10, vector(bodies)),
  ]);
}
