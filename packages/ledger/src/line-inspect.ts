// The per-line half of verification: everything that needs only the line itself (its hash and leaf
// hash, layout, canonical form, UTF-8, citations present). It runs on worker threads for large
// files; the order-dependent half (seq, prev links, tree, checkpoints) stays in ChainVerifier.
// Per record that is one node:crypto SHA-256 of the line (the record hash is the hash of the stored
// bytes), one pass over the bytes that proves the line is the canonical form of what it says without
// building any object (the WebAssembly validator for a whole chunk at a time, line-validator.ts; the
// JavaScript checks for the lines it is unsure of, which also word every problem), and a share of the
// chunk's leaf hashes, computed four at a time. A chunk also says whether it is "clean" (records
// only, none with a problem, seqs consecutive, each prev the hash of the line before), so that the
// verifier can take it whole.
import { isUtf8 } from "node:buffer";
import { hash } from "node:crypto";
import { type CanonicalScan, canonicalProblem } from "./canonical-check.ts";
import { FLAG_CITES, type LineValidator, lineValidator, STATUS_OK, STATUS_OTHER } from "./line-validator.ts";
import { BODY_OFFSET, type LineLayout, readRecordLine } from "./record-line.ts";
import { leafWordsMany } from "./sha256-simd.ts";
import { latin1ToWords } from "./sha256-words.ts";

export const LINE_RECORD = 1;
export const LINE_OTHER = 0;

export interface InspectedLines {
  count: number;
  /** LINE_RECORD or LINE_OTHER (a line that does not start like a record: header, checkpoint, junk) */
  kinds: Uint8Array;
  /** record hashes, 8 big-endian words each (see sha256-words.ts) */
  hashes: Int32Array;
  /** leaf hashes, 8 words each */
  leaves: Int32Array;
  /** prev decoded to 8 words each (records whose layout parsed) */
  prevs: Int32Array;
  /** seq, or -1 when the layout did not parse */
  seqs: Float64Array;
  lengths: Float64Array;
  /** why a record line is unusable (layout) or invalid (encoding, canonical form) */
  notes: { i: number; malformed: boolean; reason: string }[];
  /** bodies of records that have a `"cites":` key somewhere */
  cites: { i: number; body: string }[];
  /** text of non-record lines */
  others: { i: number; text: string }[];
  /**
   * Every line is a record without notes, each seq is one more than the line before's, and each
   * prev (from the second line on) is the hash of the line before. Citations may still be wrong.
   */
  clean: boolean;
  /** bytes of the record lines, newlines included */
  bytes: number;
}

function allocate(count: number): InspectedLines {
  return {
    count,
    kinds: new Uint8Array(count),
    hashes: new Int32Array(count * 8),
    leaves: new Int32Array(count * 8),
    prevs: new Int32Array(count * 8),
    seqs: new Float64Array(count),
    lengths: new Float64Array(count),
    notes: [],
    cites: [],
    others: [],
    clean: false,
    bytes: 0,
  };
}

/** `{"at":` */
function isRecordLine(buf: Buffer, start: number, end: number): boolean {
  return (
    end - start >= 6 &&
    buf[start] === 0x7b &&
    buf[start + 1] === 0x22 &&
    buf[start + 2] === 0x61 &&
    buf[start + 3] === 0x74 &&
    buf[start + 4] === 0x22 &&
    buf[start + 5] === 0x3a
  );
}

const scan: CanonicalScan = { highBytes: false, cites: false };
const layout: LineLayout = { seq: 0, prevStart: 0, bodyStart: 0, bodyEnd: 0, type: "", atStart: 0 };

function inspectOne(buf: Buffer, start: number, end: number, out: InspectedLines, i: number, classify: boolean): void {
  out.lengths[i] = end - start;
  if (classify && !isRecordLine(buf, start, end)) {
    out.kinds[i] = LINE_OTHER;
    out.others.push({ i, text: buf.toString("utf8", start, end) });
    return;
  }
  out.kinds[i] = LINE_RECORD;
  latin1ToWords(hash("sha256", buf.subarray(start, end), "binary"), out.hashes, i * 8);
  checkRecord(buf, start, end, out, i);
}

/** The JavaScript checks of a record line: layout, canonical form, UTF-8; notes its problems. */
function checkRecord(buf: Buffer, start: number, end: number, out: InspectedLines, i: number): void {
  const why = readRecordLine(buf, start, end, layout, out.prevs, i * 8);
  if (why !== undefined) {
    out.seqs[i] = -1;
    out.notes.push({ i, malformed: true, reason: why });
    return;
  }
  out.seqs[i] = layout.seq;
  // Outside the body every byte was checked to be ASCII; inside, only strings can hold others.
  const problem = canonicalProblem(buf, layout.bodyStart, layout.bodyEnd, scan);
  if (problem !== undefined) out.notes.push({ i, malformed: false, reason: `body is not canonical JSON: ${problem}` });
  else if (scan.highBytes && !isUtf8(buf.subarray(layout.bodyStart, layout.bodyEnd))) {
    out.notes.push({ i, malformed: false, reason: "is not valid UTF-8" });
  } else if (scan.cites) out.cites.push({ i, body: buf.toString("utf8", layout.bodyStart, layout.bodyEnd) });
}

/** Inspects the lines of buf[start, end), which holds complete lines each ending in "\n". */
export function inspectChunk(buf: Buffer, start: number, end: number): InspectedLines {
  if (!lineValidator) return finish(inspectEach(buf, start, end));
  return finish(inspectSelected(lineValidator, lineValidator.load(buf, start, end)));
}

/** A decompressed sealed segment's lines, inspected in pieces of about `piece` bytes (each a validator load). */
export function inspectLines(data: Buffer, piece = 4 << 20): { pieces: InspectedLines[]; tornBytes: number } {
  const complete = data.lastIndexOf(0x0a) + 1;
  const pieces: InspectedLines[] = [];
  for (let at = 0; at < complete; ) {
    let end = complete;
    if (at + piece < complete) {
      const nl = data.indexOf(0x0a, at + piece);
      end = nl < 0 ? complete : nl + 1;
    }
    pieces.push(inspectChunk(data, at, end));
    at = end;
  }
  return { pieces, tornBytes: data.length - complete };
}

/** Where WebAssembly is missing, the region is a plain buffer. */
let fallbackRegion = Buffer.alloc(0);

/**
 * A buffer of at least `size` bytes to read lines into for inspectRegion (the validator's memory,
 * where it runs), keeping what it held; valid until the next call.
 */
export function lineRegion(size: number): Buffer {
  if (lineValidator) return lineValidator.reserve(size);
  if (fallbackRegion.length < size) {
    const bigger = Buffer.allocUnsafe(Math.max(size, fallbackRegion.length * 2));
    fallbackRegion.copy(bigger);
    fallbackRegion = bigger;
  }
  return fallbackRegion;
}

/** Inspects region[from, to) (see lineRegion), which holds complete lines each ending in "\n". */
export function inspectRegion(region: Buffer, from: number, to: number): InspectedLines {
  if (!lineValidator) return finish(inspectEach(region, from, to));
  return finish(inspectSelected(lineValidator, lineValidator.select(from, to)));
}

function finish(out: InspectedLines): InspectedLines {
  // All leaves at once (four per SIMD pass); those of lines that are not records are never read.
  leafWordsMany(out.hashes, 0, out.count, out.leaves, 0);
  summarise(out);
  return out;
}

/** Line ends found by the last inspectEach, reused (a chunk holds tens of thousands of lines). */
let ends = new Float64Array(1 << 14);

/** Every line through the JavaScript checks (where WebAssembly is missing). */
function inspectEach(buf: Buffer, start: number, end: number): InspectedLines {
  let count = 0;
  for (let nl = buf.indexOf(0x0a, start); nl >= 0 && nl < end; nl = buf.indexOf(0x0a, nl + 1)) {
    if (count === ends.length) {
      const bigger = new Float64Array(ends.length * 2);
      bigger.set(ends);
      ends = bigger;
    }
    ends[count++] = nl;
  }
  const out = allocate(count);
  let lineStart = start;
  for (let i = 0; i < count; i++) {
    const nl = ends[i]!;
    inspectOne(buf, lineStart, nl, out, i, true);
    lineStart = nl + 1;
  }
  return out;
}

/**
 * The `count` lines the validator has selected: it reads them in small batches, each hashed right
 * after while its bytes are still in cache; only the lines it is unsure of get the JavaScript checks.
 */
function inspectSelected(validator: LineValidator, count: number): InspectedLines {
  const out = allocate(count);
  // Table offsets are memory offsets: region offset = memory offset - base.
  const memory = validator.buffer;
  const base = validator.base;
  const region = validator.reserve(0);
  for (let first = 0; first < count; ) {
    const n = Math.min(validator.next(), count - first);
    if (n === 0) break;
    validator.copySeqs(n, out.seqs, first);
    validator.copyPrevs(n, out.prevs, first * 8);
    for (let k = 0; k < n; k++) {
      const i = first + k;
      const lineStart = validator.start(k);
      const length = validator.lineEnd(k) - lineStart;
      const status = validator.status(k);
      out.lengths[i] = length;
      if (status === STATUS_OTHER) {
        out.kinds[i] = LINE_OTHER;
        out.others.push({ i, text: region.toString("utf8", lineStart - base, lineStart - base + length) });
        continue;
      }
      out.kinds[i] = LINE_RECORD;
      // A plain Uint8Array view is cheaper to make than a Buffer slice.
      latin1ToWords(hash("sha256", new Uint8Array(memory, lineStart, length), "binary"), out.hashes, i * 8);
      if ((status & 15) !== STATUS_OK) checkRecord(region, lineStart - base, lineStart - base + length, out, i);
      else if ((status & FLAG_CITES) !== 0) {
        const body = region.toString("utf8", lineStart - base + BODY_OFFSET, validator.bodyEnd(k) - base);
        out.cites.push({ i, body });
      }
    }
    first += n;
  }
  return out;
}

/** Sets `clean` and `bytes` (see InspectedLines). */
function summarise(out: InspectedLines): void {
  const { count, kinds, seqs, prevs, hashes, lengths } = out;
  let bytes = 0;
  for (let i = 0; i < count; i++) if (kinds[i] === LINE_RECORD) bytes += lengths[i]! + 1;
  out.bytes = bytes;
  out.clean = count > 0 && out.notes.length === 0 && out.others.length === 0 && linked(seqs, prevs, hashes, count);
}

/** Each seq one more than the one before, each prev the hash of the line before. */
function linked(seqs: Float64Array, prevs: Int32Array, hashes: Int32Array, count: number): boolean {
  for (let i = 1; i < count; i++) {
    if (seqs[i] !== seqs[i - 1]! + 1) return false;
    const p = i * 8;
    for (let w = 0; w < 8; w++) if (prevs[p + w] !== hashes[p - 8 + w]) return false;
  }
  return true;
}

/** Inspects one line (without its newline) that is meant to be a record. */
export function inspectLine(line: Buffer): InspectedLines {
  const out = allocate(1);
  inspectOne(line, 0, line.length, out, 0, false);
  leafWordsMany(out.hashes, 0, 1, out.leaves, 0);
  return out;
}
