// Checks that bytes already are RFC 8785 canonical JSON without building objects. `verify` runs this
// on every record body, so it must be much cheaper than JSON.parse + re-serialise; the slow path is
// kept only for numbers that are not short integers. UTF-8 validity is checked by the caller
// (node:buffer isUtf8 over the whole line), so bytes >= 0x80 inside strings are taken as they are.
import { MAX_JSON_DEPTH } from "./json.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class NotCanonical extends Error {}

interface Cursor {
  buf: Uint8Array;
  pos: number;
  end: number;
  /** a string held bytes >= 0x80 (so UTF-8 validity must be checked) */
  highBytes: boolean;
  /** the top-level object has a "cites" key */
  cites: boolean;
}

/** What a successful scan noticed on the way. */
export interface CanonicalScan {
  highBytes: boolean;
  cites: boolean;
}

const CITES_KEY = [0x63, 0x69, 0x74, 0x65, 0x73];

function fail(reason: string): never {
  throw new NotCanonical(reason);
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: false });

// Escapes JSON.stringify writes as \u00XX: control characters without a short form.
function isLowerHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
}

/**
 * Scans a string token starting at the opening quote; returns true when its bytes do not sort like
 * its characters (non-ASCII bytes or escapes), so keys must be decoded to be compared.
 */
function scanString(cur: Cursor): boolean {
  const { buf, end } = cur;
  let pos = cur.pos + 1;
  let nonAscii = false;
  let escaped = false;
  while (pos < end) {
    const c = buf[pos]!;
    if (c === QUOTE) {
      cur.pos = pos + 1;
      if (nonAscii) cur.highBytes = true;
      return nonAscii || escaped;
    }
    if (c < 0x20) fail("raw control character in a string");
    if (c >= 0x80) nonAscii = true;
    if (c === BACKSLASH) {
      escaped = true;
      const e = buf[pos + 1];
      if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        pos += 2;
        continue;
      }
      if (e === 0x75) {
        // Only \u00XX for a control character without a short escape is canonical.
        const h1 = buf[pos + 4] ?? 0;
        const h2 = buf[pos + 5] ?? 0;
        if (buf[pos + 2] !== 0x30 || buf[pos + 3] !== 0x30 || !isLowerHex(h1) || !isLowerHex(h2)) {
          fail("non-canonical \\u escape in a string");
        }
        const code = Number.parseInt(String.fromCharCode(h1, h2), 16);
        if (code >= 0x20 || code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) {
          fail("non-canonical \\u escape in a string");
        }
        pos += 6;
        continue;
      }
      fail("non-canonical escape in a string");
    }
    pos++;
  }
  return fail("unterminated string");
}

function scanNumber(cur: Cursor): void {
  const { buf, end } = cur;
  const start = cur.pos;
  let pos = start;
  let simple = true;
  if (buf[pos] === 0x2d) pos++;
  const digitsStart = pos;
  while (pos < end) {
    const c = buf[pos]!;
    if (c >= 0x30 && c <= 0x39) pos++;
    else if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) {
      simple = false;
      pos++;
    } else break;
  }
  const digits = pos - digitsStart;
  if (digits === 0) fail("malformed number");
  cur.pos = pos;
  // Short integers are canonical iff they have no leading zero and are not -0.
  if (simple && digits <= 15) {
    if (buf[digitsStart] === 0x30 && (digits > 1 || digitsStart > start)) fail("non-canonical number");
    return;
  }
  const text = latin1.decode(buf.subarray(start, pos));
  const value = Number(text);
  if (!Number.isFinite(value) || Object.is(value, -0) || String(value) !== text) fail("non-canonical number");
}

function expectLiteral(cur: Cursor, literal: readonly number[]): void {
  for (let i = 0; i < literal.length; i++) {
    if (cur.buf[cur.pos + i] !== literal[i]) fail("malformed literal");
  }
  cur.pos += literal.length;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** Negative, zero or positive as key a sorts before, equal to or after key b in UTF-16 code unit order. */
function compareKeys(buf: Uint8Array, a0: number, a1: number, aWide: boolean, b0: number, b1: number, bWide: boolean) {
  if (aWide || bWide) {
    // Escapes, and UTF-8 above U+FFFF, do not sort like UTF-16 code units: decode and compare.
    const a = JSON.parse(utf8.decode(buf.subarray(a0 - 1, a1 + 1))) as string;
    const b = JSON.parse(utf8.decode(buf.subarray(b0 - 1, b1 + 1))) as string;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const d = buf[a0 + i]! - buf[b0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (b1 - b0);
}

function scanValue(cur: Cursor, depth: number): void {
  const c = cur.buf[cur.pos];
  switch (c) {
    case QUOTE:
      scanString(cur);
      return;
    case 0x7b:
      scanObject(cur, depth);
      return;
    case 0x5b:
      scanArray(cur, depth);
      return;
    case 0x74:
      expectLiteral(cur, TRUE);
      return;
    case 0x66:
      expectLiteral(cur, FALSE);
      return;
    case 0x6e:
      expectLiteral(cur, NULL);
      return;
    default:
      if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
        scanNumber(cur);
        return;
      }
      fail(c === undefined ? "unexpected end" : "unexpected character");
  }
}

function scanArray(cur: Cursor, depth: number): void {
  if (depth >= MAX_JSON_DEPTH) fail("nested too deeply");
  cur.pos++;
  if (cur.buf[cur.pos] === 0x5d) {
    cur.pos++;
    return;
  }
  for (;;) {
    scanValue(cur, depth + 1);
    const c = cur.buf[cur.pos++];
    if (c === 0x5d) return;
    if (c !== 0x2c) fail("expected , or ] in an array");
  }
}

function scanObject(cur: Cursor, depth: number): void {
  if (depth >= MAX_JSON_DEPTH) fail("nested too deeply");
  cur.pos++;
  if (cur.buf[cur.pos] === 0x7d) {
    cur.pos++;
    return;
  }
  let prevStart = -1;
  let prevEnd = -1;
  let prevWide = false;
  for (;;) {
    if (cur.buf[cur.pos] !== QUOTE) fail("expected a key");
    const keyStart = cur.pos + 1;
    const wide = scanString(cur);
    const keyEnd = cur.pos - 1;
    if (prevStart >= 0 && compareKeys(cur.buf, prevStart, prevEnd, prevWide, keyStart, keyEnd, wide) >= 0) {
      fail("object keys are not in canonical order (or repeat)");
    }
    if (depth === 0 && keyEnd - keyStart === 5 && CITES_KEY.every((b, i) => cur.buf[keyStart + i] === b))
      cur.cites = true;
    prevStart = keyStart;
    prevEnd = keyEnd;
    prevWide = wide;
    if (cur.buf[cur.pos++] !== 0x3a) fail("expected : after a key");
    scanValue(cur, depth + 1);
    const c = cur.buf[cur.pos++];
    if (c === 0x7d) return;
    if (c !== 0x2c) fail("expected , or } in an object");
  }
}

/**
 * Why bytes [start, end) are not one canonical JSON value, or undefined when they are.
 * Escaped strings with lone surrogates cannot occur: JSON text cannot spell them without \u escapes
 * above 0x1f, which this check refuses.
 */
export function canonicalProblem(
  buf: Uint8Array,
  start: number,
  end: number,
  scan?: CanonicalScan,
): string | undefined {
  const cur: Cursor = { buf, pos: start, end, highBytes: false, cites: false };
  try {
    scanValue(cur, 0);
    if (cur.pos !== end) return cur.pos > end ? "unexpected end" : "trailing bytes after the value";
    if (scan) {
      scan.highBytes = cur.highBytes;
      scan.cites = cur.cites;
    }
    return undefined;
  } catch (error) {
    if (error instanceof NotCanonical) return error.message;
    throw error;
  }
}
