// Checks that bytes already are RFC 8785 canonical JSON without building objects. `verify` runs this
// on every record body, so it must cost a fraction of JSON.parse + re-serialise: one pass over the
// bytes, a table lookup per string byte, positions passed as numbers (a negative one means "not
// canonical", with the reason in `failure`), and the slow path kept only for numbers that are not
// short integers and for keys that need decoding to be compared. UTF-8 validity is checked by the
// caller (node:buffer isUtf8) when a string held bytes >= 0x80, so those are taken as they are here.
import { MAX_JSON_DEPTH } from "./json.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a successful scan noticed on the way. */
export interface CanonicalScan {
  /** a string held bytes >= 0x80 (so UTF-8 validity must be checked) */
  highBytes: boolean;
  /** the top-level object has a "cites" key */
  cites: boolean;
}

// Byte classes inside a string: what may stand raw, what ends or escapes it, what may not appear.
const PLAIN = 0;
const END = 1;
const ESCAPE = 2;
const CONTROL = 3;
const HIGH = 4;
const STRING_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++)
  STRING_CLASS[c] = c < 0x20 ? CONTROL : c === QUOTE ? END : c === BACKSLASH ? ESCAPE : c >= 0x80 ? HIGH : PLAIN;

// After a backslash, the short escapes JSON.stringify writes ("\\", "\"", b f n r t); u is handled apart.
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of [QUOTE, BACKSLASH, 0x62, 0x66, 0x6e, 0x72, 0x74]) SHORT_ESCAPE[c] = 1;

/** Lowercase hex digit value, or -1. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) HEX[c < 10 ? 0x30 + c : 0x57 + c] = c;

let failure = "";
let highBytes = false;
let cites = false;
/** set by scanString: the string's bytes do not sort like its characters (non-ASCII or escapes) */
let wide = false;

function fail(reason: string): number {
  failure = reason;
  return -1;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Scans a string token whose opening quote is at pos; returns the position after its closing quote. */
function scanString(buf: Uint8Array, pos: number, end: number): number {
  let at = pos + 1;
  let nonAscii = false;
  let escaped = false;
  for (;;) {
    if (at >= end) return fail("unterminated string");
    const kind = STRING_CLASS[buf[at]!]!;
    if (kind === PLAIN) {
      at++;
      continue;
    }
    if (kind === END) break;
    if (kind === HIGH) {
      nonAscii = true;
      at++;
      continue;
    }
    if (kind === CONTROL) return fail("raw control character in a string");
    escaped = true;
    const e = buf[at + 1] ?? 0;
    if (SHORT_ESCAPE[e] === 1) {
      at += 2;
      continue;
    }
    if (e !== 0x75) return fail("non-canonical escape in a string");
    // Only \u00XX (lowercase hex) for a control character without a short escape is canonical.
    const h1 = HEX[buf[at + 4] ?? 0]!;
    const h2 = HEX[buf[at + 5] ?? 0]!;
    if (buf[at + 2] !== 0x30 || buf[at + 3] !== 0x30 || h1 < 0 || h2 < 0) {
      return fail("non-canonical \\u escape in a string");
    }
    const code = h1 * 16 + h2;
    if (code >= 0x20 || code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) {
      return fail("non-canonical \\u escape in a string");
    }
    at += 6;
  }
  if (nonAscii) highBytes = true;
  wide = nonAscii || escaped;
  return at + 1;
}

const latin1 = new TextDecoder("latin1");

function scanNumber(buf: Uint8Array, pos: number, end: number): number {
  let at = pos;
  let simple = true;
  if (buf[at] === 0x2d) at++;
  const digitsStart = at;
  while (at < end) {
    const c = buf[at]!;
    if (c >= 0x30 && c <= 0x39) at++;
    else if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) {
      simple = false;
      at++;
    } else break;
  }
  const digits = at - digitsStart;
  if (digits === 0) return fail("malformed number");
  // Short integers are canonical iff they have no leading zero and are not -0.
  if (simple && digits <= 15) {
    if (buf[digitsStart] === 0x30 && (digits > 1 || digitsStart > pos)) return fail("non-canonical number");
    return at;
  }
  return isCanonicalNumber(buf, pos, at) ? at : fail("non-canonical number");
}

/** Whether the number token in bytes [start, end) is written exactly as ECMAScript (RFC 8785) writes its value. */
export function isCanonicalNumber(buf: Uint8Array, start: number, end: number): boolean {
  const text = latin1.decode(buf.subarray(start, end));
  const value = Number(text);
  return Number.isFinite(value) && !Object.is(value, -0) && String(value) === text;
}

function literal(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 1; i < text.length; i++) if (buf[pos + i] !== text.charCodeAt(i)) return fail("malformed literal");
  return pos + text.length;
}

/**
 * Negative, zero or positive as key a sorts before, equal to or after key b in UTF-16 code unit order
 * (the bytes between each key's quotes; `wide` when they hold escapes or non-ASCII bytes).
 */
export function compareKeys(
  buf: Uint8Array,
  a0: number,
  a1: number,
  aWide: boolean,
  b0: number,
  b1: number,
  bWide: boolean,
) {
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

function scanValue(buf: Uint8Array, pos: number, end: number, depth: number): number {
  const c = buf[pos];
  if (c === QUOTE) return scanString(buf, pos, end);
  if (c === 0x7b) return scanObject(buf, pos, end, depth);
  if (c === 0x5b) return scanArray(buf, pos, end, depth);
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return scanNumber(buf, pos, end);
  if (c === 0x74) return literal(buf, pos, "true");
  if (c === 0x66) return literal(buf, pos, "false");
  if (c === 0x6e) return literal(buf, pos, "null");
  return fail(c === undefined || pos >= end ? "unexpected end" : "unexpected character");
}

function scanArray(buf: Uint8Array, pos: number, end: number, depth: number): number {
  if (depth >= MAX_JSON_DEPTH) return fail("nested too deeply");
  let at = pos + 1;
  if (buf[at] === 0x5d) return at + 1;
  for (;;) {
    at = scanValue(buf, at, end, depth + 1);
    if (at < 0) return at;
    const c = buf[at++];
    if (c === 0x5d) return at;
    if (c !== 0x2c) return fail("expected , or ] in an array");
  }
}

function scanObject(buf: Uint8Array, pos: number, end: number, depth: number): number {
  if (depth >= MAX_JSON_DEPTH) return fail("nested too deeply");
  let at = pos + 1;
  if (buf[at] === 0x7d) return at + 1;
  let prevStart = -1;
  let prevEnd = -1;
  let prevWide = false;
  for (;;) {
    if (buf[at] !== QUOTE) return fail("expected a key");
    const keyStart = at + 1;
    at = scanString(buf, at, end);
    if (at < 0) return at;
    const keyEnd = at - 1;
    const keyWide = wide;
    if (prevStart >= 0 && compareKeys(buf, prevStart, prevEnd, prevWide, keyStart, keyEnd, keyWide) >= 0) {
      return fail("object keys are not in canonical order (or repeat)");
    }
    if (
      depth === 0 &&
      keyEnd - keyStart === 5 &&
      buf[keyStart] === 0x63 &&
      buf[keyStart + 1] === 0x69 &&
      buf[keyStart + 2] === 0x74 &&
      buf[keyStart + 3] === 0x65 &&
      buf[keyStart + 4] === 0x73
    ) {
      cites = true;
    }
    prevStart = keyStart;
    prevEnd = keyEnd;
    prevWide = keyWide;
    if (buf[at++] !== 0x3a) return fail("expected : after a key");
    at = scanValue(buf, at, end, depth + 1);
    if (at < 0) return at;
    const c = buf[at++];
    if (c === 0x7d) return at;
    if (c !== 0x2c) return fail("expected , or } in an object");
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
  highBytes = false;
  cites = false;
  const at = scanValue(buf, start, end, 0);
  if (at < 0) return failure;
  if (at !== end) return at > end ? "unexpected end" : "trailing bytes after the value";
  if (scan) {
    scan.highBytes = highBytes;
    scan.cites = cites;
  }
  return undefined;
}
