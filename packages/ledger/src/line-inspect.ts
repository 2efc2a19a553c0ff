// The per-line half of verification: everything that needs only the line itself (its hash and leaf
// hash, layout, canonical form, UTF-8, citations present). It runs on worker threads for large
// files; the order-dependent half (seq, prev links, tree, checkpoints) stays in ChainVerifier.
import { isUtf8 } from "node:buffer";
import { hash } from "node:crypto";
import { type CanonicalScan, canonicalProblem } from "./canonical-check.ts";
import { recordLineLayout } from "./record-line.ts";
import { leafHash32Into } from "./sha256-small.ts";

export const LINE_RECORD = 1;
export const LINE_OTHER = 0;

export interface InspectedLines {
  count: number;
  /** LINE_RECORD or LINE_OTHER (a line that does not start like a record: header, checkpoint, junk) */
  kinds: Uint8Array;
  hashes: Uint8Array;
  leaves: Uint8Array;
  /** prev decoded to bytes (records whose layout parsed) */
  prevs: Uint8Array;
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

const RECORD_PREFIX = Buffer.from('{"at":');

function nibble(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

function allocate(count: number): InspectedLines {
  return {
    count,
    kinds: new Uint8Array(count),
    hashes: new Uint8Array(count * 32),
    leaves: new Uint8Array(count * 32),
    prevs: new Uint8Array(count * 32),
    seqs: new Float64Array(count),
    lengths: new Float64Array(count),
    notes: [],
    cites: [],
    others: [],
  };
}

function isRecordLine(buf: Buffer, start: number, end: number): boolean {
  if (end - start < RECORD_PREFIX.length) return false;
  for (let k = 0; k < RECORD_PREFIX.length; k++) if (buf[start + k] !== RECORD_PREFIX[k]) return false;
  return true;
}

const scan: CanonicalScan = { highBytes: false, cites: false };

function inspectOne(buf: Buffer, start: number, end: number, out: InspectedLines, i: number, classify: boolean): void {
  out.lengths[i] = end - start;
  if (classify && !isRecordLine(buf, start, end)) {
    out.kinds[i] = LINE_OTHER;
    out.others.push({ i, text: buf.toString("utf8", start, end) });
    return;
  }
  out.kinds[i] = LINE_RECORD;
  const line = buf.subarray(start, end);
  const digest = hash("sha256", line, "buffer");
  out.hashes.set(digest, i * 32);
  leafHash32Into(digest, out.leaves, i * 32);
  const layout = recordLineLayout(buf, start, end);
  if (typeof layout === "string") {
    out.seqs[i] = -1;
    out.notes.push({ i, malformed: true, reason: layout });
    return;
  }
  out.seqs[i] = layout.seq;
  const p = layout.prevStart;
  for (let b = 0; b < 32; b++) out.prevs[i * 32 + b] = (nibble(buf[p + 2 * b]!) << 4) | nibble(buf[p + 2 * b + 1]!);
  // Outside the body every byte was checked to be ASCII; inside, only strings can hold others.
  const why = canonicalProblem(buf, layout.bodyStart, layout.bodyEnd, scan);
  if (why) out.notes.push({ i, malformed: false, reason: `body is not canonical JSON: ${why}` });
  else if (scan.highBytes && !isUtf8(buf.subarray(layout.bodyStart, layout.bodyEnd))) {
    out.notes.push({ i, malformed: false, reason: "is not valid UTF-8" });
  } else if (scan.cites) out.cites.push({ i, body: buf.toString("utf8", layout.bodyStart, layout.bodyEnd) });
}

/** Inspects the lines of buf[start, end), which holds complete lines each ending in "\n". */
export function inspectChunk(buf: Buffer, start: number, end: number): InspectedLines {
  let count = 0;
  for (let nl = buf.indexOf(0x0a, start); nl >= 0 && nl < end; nl = buf.indexOf(0x0a, nl + 1)) count++;
  const out = allocate(count);
  let lineStart = start;
  for (let i = 0; i < count; i++) {
    const nl = buf.indexOf(0x0a, lineStart);
    inspectOne(buf, lineStart, nl, out, i, true);
    lineStart = nl + 1;
  }
  return out;
}

/** Inspects one line (without its newline) that is meant to be a record. */
export function inspectLine(line: Buffer): InspectedLines {
  const out = allocate(1);
  inspectOne(line, 0, line.length, out, 0, false);
  return out;
}
