// Runs the WebAssembly line validator (line-validator-code.ts) over a chunk of lines: the chunk is
// copied into the module's memory once, one call reads up to MAX_LINES lines, and the checks it
// deferred (long or fractional numbers, keys with escapes or non-ASCII bytes) are settled here with
// the same functions canonical-check.ts uses. The result for each line is OK (seq, prev and flags
// read), OTHER (not a record line) or UNSURE (line-inspect.ts runs the JavaScript checks, which
// decide and name the problem). Where WebAssembly SIMD is missing, `lineValidator` is undefined.
import { compareKeys, isCanonicalNumber } from "./canonical-check.ts";
import {
  DATA,
  DEFER,
  DEFER_COUNT_AT,
  DEFER_NUMBER,
  GLOBALS,
  LINES,
  MAX_LINES,
  PREVS,
  SEQS,
  STATUS_UNSURE,
  validatorFunctions,
  validatorTables,
} from "./line-validator-code.ts";
import { assembleModule } from "./wasm-assembler.ts";

export { FLAG_CITES, MAX_LINES, STATUS_OK, STATUS_OTHER, STATUS_UNSURE } from "./line-validator-code.ts";

const PAGE = 64 << 10;
/** Slack after the data: the program reads up to 4 bytes past a short key. */
const SLACK = 64;

/** The part of the WebAssembly JS API used here (the project's TypeScript libs leave out the DOM's typings of it). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

interface Memory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Exports {
  memory: Memory;
  lines(pos: number, end: number, max: number): number;
  count(pos: number, end: number): number;
}

export class LineValidator {
  private readonly memory: Memory;
  private readonly run: (pos: number, end: number, max: number) => number;
  private readonly countLines: (pos: number, end: number) => number;
  private bytes!: Uint8Array;
  private words!: Int32Array;
  private doubles!: Float64Array;
  private region!: Buffer;
  /** The selected lines: memory offsets of the next line to read and of the selection's end. */
  private pos = DATA;
  private end = DATA;

  constructor(exports: Exports) {
    this.memory = exports.memory;
    this.run = exports.lines;
    this.countLines = exports.count;
    this.views();
    this.bytes.set(validatorTables(), 0);
  }

  private views(): void {
    this.bytes = new Uint8Array(this.memory.buffer);
    this.words = new Int32Array(this.memory.buffer);
    this.doubles = new Float64Array(this.memory.buffer);
    this.region = Buffer.from(this.memory.buffer, DATA);
  }

  /** The module's memory (replaced when it grows: take it after reserve). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** Memory offset of the region's byte 0. */
  get base(): number {
    return DATA;
  }

  /**
   * The region where lines are put for reading: at least `size` bytes, what it held kept. The view
   * stays valid until the next reserve (growing the memory replaces its buffer).
   */
  reserve(size: number): Buffer {
    const need = DATA + size + SLACK;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
      this.views();
    }
    return this.region;
  }

  /** Selects region[from, to), complete lines each ending in "\n", for next(); returns how many lines that is. */
  select(from: number, to: number): number {
    this.pos = DATA + from;
    this.end = DATA + to;
    return this.countLines(this.pos, this.end);
  }

  /** Copies buf[start, end) (complete lines) into the region and selects it; returns how many lines it holds. */
  load(buf: Uint8Array, start: number, end: number): number {
    this.reserve(end - start).set(buf.subarray(start, end), 0);
    return this.select(0, end - start);
  }

  /**
   * Reads the next selected lines, at most MAX_LINES, settles their deferred checks, and returns how
   * many were read (0 at the end); start(i) etc. describe them until the next call.
   */
  next(): number {
    if (this.pos >= this.end) return 0;
    const count = this.run(this.pos, this.end, MAX_LINES);
    if (count > 0) this.pos = this.words[LINES / 4 + (count - 1) * 4 + 1]! + 1;
    const deferred = this.words[DEFER_COUNT_AT / 4]!;
    const bytes = this.bytes;
    for (let d = 0; d < deferred; d++) {
      const at = DEFER / 4 + d * 8;
      const line = this.words[at]!;
      const a0 = this.words[at + 2]!;
      const a1 = this.words[at + 3]!;
      const entry = LINES / 4 + line * 4;
      if ((this.words[entry + 2]! & 15) !== 0) continue;
      const ok =
        this.words[at + 1] === DEFER_NUMBER
          ? isCanonicalNumber(bytes, a0, a1)
          : compareKeys(bytes, a0, a1, true, this.words[at + 4]!, this.words[at + 5]!, true) < 0;
      if (!ok) this.words[entry + 2] = STATUS_UNSURE;
    }
    return count;
  }

  /** Memory offset of line i's first byte (of the last `next`; the region's offset plus `base`). */
  start(i: number): number {
    return this.words[LINES / 4 + i * 4]!;
  }
  /** Offset of line i's newline. */
  lineEnd(i: number): number {
    return this.words[LINES / 4 + i * 4 + 1]!;
  }
  /** STATUS_* | FLAG_* of line i. */
  status(i: number): number {
    return this.words[LINES / 4 + i * 4 + 2]!;
  }
  /** Offset just past an OK line's body. */
  bodyEnd(i: number): number {
    return this.words[LINES / 4 + i * 4 + 3]!;
  }
  /** Copies the seqs of lines [0, count) (-1 where not OK) to out from outAt. */
  copySeqs(count: number, out: Float64Array, outAt: number): void {
    out.set(this.doubles.subarray(SEQS / 8, SEQS / 8 + count), outAt);
  }
  /** Copies the prevs (8 words each, meaningful for OK lines) of lines [0, count) to out from outAt. */
  copyPrevs(count: number, out: Int32Array, outAt: number): void {
    out.set(this.words.subarray(PREVS / 4, PREVS / 4 + count * 8), outAt);
  }
}

function instantiate(): LineValidator | undefined {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  const bytes = assembleModule(DATA / PAGE + 1, validatorFunctions(), GLOBALS);
  if (api === undefined || !api.validate(bytes)) return undefined;
  return new LineValidator(new api.Instance(new api.Module(bytes), {}).exports as Exports);
}

/** One per thread; undefined where WebAssembly SIMD is missing (the JavaScript checks then do all). */
export const lineValidator: LineValidator | undefined = instantiate();
