// Reads the fixed head and tail of a canonical record line without JSON.parse:
//   {"at":"<24 chars>","body":<body>,"prev":"<64 hex>","seq":<digits>,"type":"<type>","v":1}
// The type can contain no quote, so the tail can be walked backwards from the end; whatever lies
// between the head and the tail is the body, which the caller checks separately. Verify reads every
// record through here, so the checks are plain byte comparisons into a reused layout object.
import { TYPE_PATTERN } from "./record.ts";

const HEAD = Buffer.from('{"at":"');
const BODY_KEY = Buffer.from('","body":');
const PREV_KEY = Buffer.from(',"prev":"');
const SEQ_KEY = Buffer.from('","seq":');
const TYPE_KEY = Buffer.from(',"type":"');
const TAIL = Buffer.from('","v":1}');
// "YYYY-MM-DDTHH:MM:SS.mmmZ": 0 where a digit stands, else the exact byte.
const AT_SHAPE = Uint8Array.from(Buffer.from("0000-00-00T00:00:00.000Z"), (c) => (c === 0x30 ? 0 : c));

/** Lowercase hex digit value, or -1. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) HEX[c < 10 ? 0x30 + c : 0x57 + c] = c;

function isTimestamp(buf: Uint8Array, at: number): boolean {
  for (let i = 0; i < 24; i++) {
    const c = buf[at + i]!;
    const want = AT_SHAPE[i]!;
    if (want === 0 ? c < 0x30 || c > 0x39 : c !== want) return false;
  }
  return true;
}

// Records of one partition mostly repeat a few types: remember the last one instead of re-checking it.
let lastTypeBytes = Buffer.alloc(0);
let lastType = "";

function typeOf(buf: Buffer, start: number, end: number): string | undefined {
  if (end - start === lastTypeBytes.length) {
    let same = true;
    for (let i = 0; i < lastTypeBytes.length && same; i++) same = buf[start + i] === lastTypeBytes[i];
    if (same) return lastType;
  }
  const type = buf.toString("latin1", start, end);
  if (!TYPE_PATTERN.test(type)) return undefined;
  lastTypeBytes = Buffer.from(buf.subarray(start, end));
  lastType = type;
  return type;
}

export const BODY_OFFSET = HEAD.length + 24 + BODY_KEY.length;
const MIN_LENGTH = BODY_OFFSET + 1 + PREV_KEY.length + 64 + SEQ_KEY.length + 1 + TYPE_KEY.length + 3 + TAIL.length;

export interface LineLayout {
  seq: number;
  /** offset of the 64 hex digits of prev */
  prevStart: number;
  bodyStart: number;
  bodyEnd: number;
  type: string;
  /** offset of the 24-byte timestamp */
  atStart: number;
}

function matches(buf: Uint8Array, at: number, expected: Buffer): boolean {
  if (at < 0 || at + expected.length > buf.length) return false;
  for (let i = 0; i < expected.length; i++) if (buf[at + i] !== expected[i]) return false;
  return true;
}

/**
 * Reads the record line in buf[start, end) into `out` and returns undefined, or returns why it is not
 * a record line. With `prevWords`, prev is also decoded there as 8 big-endian words (at prevAt).
 */
export function readRecordLine(
  buf: Buffer,
  start: number,
  end: number,
  out: LineLayout,
  prevWords?: Int32Array,
  prevAt = 0,
): string | undefined {
  if (end - start < MIN_LENGTH) return "line is too short to be a record";
  if (!matches(buf, start, HEAD) || !matches(buf, start + HEAD.length + 24, BODY_KEY)) {
    return 'line does not start with {"at":"<timestamp>","body":';
  }
  if (!isTimestamp(buf, start + HEAD.length)) return "at is not an ISO-8601 UTC timestamp with milliseconds";
  if (!matches(buf, end - TAIL.length, TAIL)) return 'line does not end with "v":1}';
  const typeEnd = end - TAIL.length;
  let quote = typeEnd - 1;
  while (quote > start && buf[quote] !== 0x22) quote--;
  if (!matches(buf, quote - TYPE_KEY.length + 1, TYPE_KEY)) return "type field is malformed";
  const type = typeOf(buf, quote + 1, typeEnd);
  if (type === undefined)
    return `type ${JSON.stringify(buf.toString("latin1", quote + 1, typeEnd))} is not a namespaced record type`;
  const digitsEnd = quote - TYPE_KEY.length + 1;
  let digitsStart = digitsEnd;
  while (digitsStart > start && buf[digitsStart - 1]! >= 0x30 && buf[digitsStart - 1]! <= 0x39) digitsStart--;
  const digits = digitsEnd - digitsStart;
  if (digits === 0 || digits > 15 || (digits > 1 && buf[digitsStart] === 0x30)) return "seq is not a canonical integer";
  if (!matches(buf, digitsStart - SEQ_KEY.length, SEQ_KEY)) return "seq field is malformed";
  const prevEnd = digitsStart - SEQ_KEY.length;
  const prevStart = prevEnd - 64;
  if (!matches(buf, prevStart - PREV_KEY.length, PREV_KEY)) return "prev field is malformed";
  // Validate (and decode, when asked) the 64 hex digits four bytes at a time.
  for (let w = 0; w < 8; w++) {
    let word = 0;
    for (let i = prevStart + w * 8, stop = i + 8; i < stop; i++) {
      const nibble = HEX[buf[i]!]!;
      if (nibble < 0) return "prev is not 64 lowercase hex digits";
      word = (word << 4) | nibble;
    }
    if (prevWords) prevWords[prevAt + w] = word;
  }
  const bodyStart = start + BODY_OFFSET;
  const bodyEnd = prevStart - PREV_KEY.length;
  if (bodyEnd <= bodyStart) return "body is missing";
  let seq = 0;
  for (let i = digitsStart; i < digitsEnd; i++) seq = seq * 10 + (buf[i]! - 0x30);
  out.seq = seq;
  out.prevStart = prevStart;
  out.bodyStart = bodyStart;
  out.bodyEnd = bodyEnd;
  out.type = type;
  out.atStart = start + HEAD.length;
  return undefined;
}

/** The layout of the record line in buf[start, end), or why it is not a record line. */
export function recordLineLayout(buf: Buffer, start: number, end: number): LineLayout | string {
  const out: LineLayout = { seq: 0, prevStart: 0, bodyStart: 0, bodyEnd: 0, type: "", atStart: 0 };
  return readRecordLine(buf, start, end, out) ?? out;
}
