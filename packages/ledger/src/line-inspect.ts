// The per-line half of verification: everything that needs only the line itself (its hash and leaf
// hash, layout, canonical form, UTF-8, citations present). It runs on worker threads for large
// files; the order-dependent half (seq, prev links, tree, checkpoints) stays in ChainVerifier.
// Per record that is one node:crypto SHA-256 of the line (the record hash is the hash of the stored
// bytes), one pass over the bytes that proves the line is the canonical form of what it says without
// building any object, and a share of the chunk's leaf hashes, computed four at a time.
import { isUtf8 } from "node:buffer";
import { hash } from "node:crypto";
import { type CanonicalScan, canonicalProblem } from "./canonical-check.ts";
import { type LineLayout, readRecordLine } from "./record-line.ts";
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
  const at = i * 8;
  latin1ToWords(hash("sha256", buf.subarray(start, end), "binary"), out.hashes, at);
  const why = readRecordLine(buf, start, end, layout, out.prevs, at);
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

/** Line ends found by the last inspectChunk, reused (a chunk holds tens of thousands of lines). */
let ends = new Float64Array(1 << 14);

/** Inspects the lines of buf[start, end), which holds complete lines each ending in "\n". */
export function inspectChunk(buf: Buffer, start: number, end: number): InspectedLines {
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
  // All leaves at once (four per SIMD pass); those of lines that are not records are never read.
  leafWordsMany(out.hashes, 0, count, out.leaves, 0);
  return out;
}

/** Inspects one line (without its newline) that is meant to be a record. */
export function inspectLine(line: Buffer): InspectedLines {
  const out = allocate(1);
  inspectOne(line, 0, line.length, out, 0, false);
  leafWordsMany(out.hashes, 0, 1, out.leaves, 0);
  return out;
}
