// The WebAssembly program behind line-validator.ts: one pass over a chunk of record lines that finds
// each line, reads its envelope (record-line.ts) and proves its body is RFC 8785 canonical JSON
// (canonical-check.ts), mirroring those two JavaScript checks step by step. It is a fast path that
// only ever ACCEPTS: a line it cannot vouch for is marked UNSURE and the JavaScript checks decide
// (and word the problem). Two checks it leaves to JavaScript on the lines it accepts, by listing them
// as "deferred": numbers other than short integers (shortest round trip needs Number-to-string) and
// the order of keys holding escapes or non-ASCII bytes (UTF-16 order needs decoding).
// Every read is bounded by the line, so a hostile line can make it say UNSURE but never trap.
import { MAX_JSON_DEPTH } from "./json.ts";
import { Code, type Label } from "./wasm-assembler.ts";

// Memory layout (bytes). Tables are written by line-validator.ts at start.
/** byte class inside a string: see CLASS_* */
export const CLASS = 0;
/** lowercase hex digit value, or 255 */
export const HEX = 256;
/** 1 after a backslash for the short escapes JSON.stringify writes: \" \\ \b \f \n \r \t */
export const SHORT = 512;
/** 1 for [a-z0-9_-], 2 for ".", 0 otherwise (a record type's characters) */
export const TYPE_CHAR = 768;
/** lines() leaves the number of deferred checks here */
export const DEFER_COUNT_AT = 1024;
/** lines() writes one 16-byte entry per line: start, end (its newline), status | flags, body end */
export const LINES = 64 << 10;
/** lines per call: a batch small enough to stay in cache while JavaScript hashes its lines */
export const MAX_LINES = 256;
/** seq of each OK line as an f64 (-1 for the others) */
export const SEQS = LINES + MAX_LINES * 16;
/** prev of each OK line as 8 words (big-endian values, as sha256-words.ts keeps hashes) */
export const PREVS = SEQS + MAX_LINES * 8;
/** deferred checks, 32 bytes each: line, kind, a start, a end, b start, b end */
export const DEFER = PREVS + MAX_LINES * 32;
export const MAX_DEFER = 8192;
/** where the chunk's bytes go */
export const DATA = 1 << 20;

export const CLASS_PLAIN = 0;
export const CLASS_END = 1;
export const CLASS_ESCAPE = 2;
export const CLASS_CONTROL = 3;
export const CLASS_HIGH = 4;

export const STATUS_OK = 0;
export const STATUS_OTHER = 1;
export const STATUS_UNSURE = 2;
/** flag beside the status: the body has a top-level "cites" key */
export const FLAG_CITES = 16;

export const DEFER_NUMBER = 0;
export const DEFER_KEYS = 1;

/** `{"at":"` + 24-character timestamp + `","body":` */
const BODY_OFFSET = 40;
const MIN_LENGTH = BODY_OFFSET + 1 + 9 + 64 + 8 + 1 + 9 + 3 + 8;

// Globals.
const G_WIDE = 0;
const G_CITES = 1;
const G_DEFER = 2;
const G_LINE = 3;
export const GLOBALS = 4;

// Function indices, in the order line-validator.ts passes them to assembleModule.
const F_STRING = 0;
const F_NUMBER = 1;
const F_VALUE = 2;
const F_OBJECT = 3;
const F_ARRAY = 4;
const F_DEFER = 5;
const F_LINE = 6;

const word = (text: string, at = 0) => Buffer.from(text, "latin1").readInt32LE(at);

/** Fails to `fail` unless the bytes at local `base` + `offset` are `text` (4 bytes per compare, overlapping at the end). */
function expectBytes(c: Code, base: number, offset: number, text: string, fail: Label): void {
  const n = text.length;
  if (n < 4) {
    for (let i = 0; i < n; i++)
      c.get(base)
        .load8(offset + i)
        .i32(text.charCodeAt(i))
        .i32Ne()
        .brIf(fail);
    return;
  }
  for (let i = 0; i < n; i += 4) {
    const at = Math.min(i, n - 4);
    c.get(base)
      .i32Load(offset + at)
      .i32(word(text, at))
      .i32Ne()
      .brIf(fail);
  }
}

/** (value - low) >u (high - low): nonzero when the i32 in `local` is outside [low, high]. */
function outside(c: Code, local: number, low: number, high: number): Code {
  return c
    .get(local)
    .i32(low)
    .i32Sub()
    .i32(high - low)
    .i32GtU();
}

/** scanString(pos, end) → the position after the closing quote, or -1. Sets G_WIDE. */
function scanString(): Code {
  const [POS, END, AT, C, WIDE, E, H, B] = [0, 1, 2, 3, 4, 5, 6, 7];
  const V = 8;
  const c = new Code(1, { params: 2, i32Locals: 6, results: 1 });
  const no = () => c.i32(-1).return();
  c.get(POS).i32(1).i32Add().set(AT);
  c.i32(0).set(WIDE);
  c.block((closed) =>
    c.loop((again) => {
      // Sixteen bytes at a time while none is a quote, a backslash, a control character or >= 0x80.
      c.get(AT)
        .i32(16)
        .i32Add()
        .get(END)
        .i32LeU()
        .ifThen(() => {
          c.get(AT).load(0).set(V);
          c.get(V).splat8(0x20).ltS8();
          c.get(V).splat8(0x22).eq8().or();
          c.get(V).splat8(0x5c).eq8().or();
          c.bitmask8().tee(H).i32Eqz();
          c.ifThen(() => {
            c.get(AT).i32(16).i32Add().set(AT);
            c.br(again);
          });
          c.get(AT).get(H).i32Ctz().i32Add().set(AT);
        });
      c.get(AT).get(END).i32GeU().ifThen(no);
      c.get(AT).load8().tee(C).load8(CLASS).set(E);
      c.get(E)
        .i32(CLASS_PLAIN)
        .i32Eq()
        .ifThen(() => {
          c.get(AT).i32(1).i32Add().set(AT);
          c.br(again);
        });
      c.get(E).i32(CLASS_END).i32Eq().brIf(closed);
      c.get(E).i32(CLASS_CONTROL).i32Eq().ifThen(no);
      c.i32(1).set(WIDE);
      c.get(E)
        .i32(CLASS_HIGH)
        .i32Eq()
        .ifThen(() => {
          // A well-formed UTF-8 sequence (Unicode table 3-7: no overlong forms, surrogates or > U+10FFFF),
          // as node:buffer isUtf8 requires.
          c.get(C).i32(0xc2).i32LtU().ifThen(no);
          c.get(C).i32(0xf4).i32GtU().ifThen(no);
          // E = the sequence's length, B = the allowed range of its second byte
          c.get(C)
            .i32(0xe0)
            .i32LtU()
            .ifThen(
              () => {
                c.i32(2).set(E).i32(0x80).set(B).i32(0xbf).set(H);
              },
              () => {
                c.get(C)
                  .i32(0xf0)
                  .i32LtU()
                  .ifThen(
                    () => {
                      c.i32(3).set(E).i32(0x80).set(B).i32(0xbf).set(H);
                      c.get(C)
                        .i32(0xe0)
                        .i32Eq()
                        .ifThen(() => c.i32(0xa0).set(B));
                      c.get(C)
                        .i32(0xed)
                        .i32Eq()
                        .ifThen(() => c.i32(0x9f).set(H));
                    },
                    () => {
                      c.i32(4).set(E).i32(0x80).set(B).i32(0xbf).set(H);
                      c.get(C)
                        .i32(0xf0)
                        .i32Eq()
                        .ifThen(() => c.i32(0x90).set(B));
                      c.get(C)
                        .i32(0xf4)
                        .i32Eq()
                        .ifThen(() => c.i32(0x8f).set(H));
                    },
                  );
              },
            );
          c.get(AT).get(E).i32Add().get(END).i32GtU().ifThen(no);
          // Second byte in [B, H]; the rest 10xxxxxx.
          c.get(AT).load8(1).get(B).i32Sub().get(H).get(B).i32Sub().i32GtU().ifThen(no);
          c.get(E)
            .i32(3)
            .i32GeU()
            .ifThen(() => c.get(AT).load8(2).i32(0xc0).i32And().i32(0x80).i32Ne().ifThen(no));
          c.get(E)
            .i32(4)
            .i32Eq()
            .ifThen(() => c.get(AT).load8(3).i32(0xc0).i32And().i32(0x80).i32Ne().ifThen(no));
          c.get(AT).get(E).i32Add().set(AT);
          c.br(again);
        });
      // A backslash: a short escape, or \u00XX (lowercase hex) for a control character without one.
      c.get(AT).i32(1).i32Add().get(END).i32GeU().ifThen(no);
      c.get(AT)
        .load8(1)
        .tee(E)
        .load8(SHORT)
        .ifThen(() => {
          c.get(AT).i32(2).i32Add().set(AT);
          c.br(again);
        });
      c.get(E).i32(0x75).i32Ne().ifThen(no);
      c.get(AT).i32(5).i32Add().get(END).i32GeU().ifThen(no);
      c.get(AT).load8(2).i32(0x30).i32Ne().ifThen(no);
      c.get(AT).load8(3).i32(0x30).i32Ne().ifThen(no);
      c.get(AT).load8(4).load8(HEX).set(H);
      c.get(AT).load8(5).load8(HEX).set(B);
      c.get(H).get(B).i32Or().i32(16).i32GeU().ifThen(no);
      c.get(H).i32(16).i32Mul().get(B).i32Add().tee(H).i32(0x20).i32GeU().ifThen(no);
      // \b \t \n \f \r have short escapes
      c.i32(1)
        .get(H)
        .i32Shl()
        .i32((1 << 8) | (1 << 9) | (1 << 10) | (1 << 12) | (1 << 13))
        .i32And()
        .ifThen(no);
      c.get(AT).i32(6).i32Add().set(AT);
      c.br(again);
    }),
  );
  c.get(WIDE).globalSet(G_WIDE);
  c.get(AT).i32(1).i32Add();
  return c;
}

/** scanNumber(pos, end): short integers are checked here, anything else is deferred to JavaScript. */
function scanNumber(): Code {
  const [POS, END, AT, SIMPLE, START, C] = [0, 1, 2, 3, 4, 5];
  const c = new Code(0, { params: 2, i32Locals: 4, results: 1 });
  c.get(POS).set(AT);
  c.i32(1).set(SIMPLE);
  c.get(AT)
    .load8()
    .i32(0x2d)
    .i32Eq()
    .ifThen(() => c.get(AT).i32(1).i32Add().set(AT));
  c.get(AT).set(START);
  c.block((done) =>
    c.loop((again) => {
      c.get(AT).get(END).i32GeU().brIf(done);
      c.get(AT).load8().set(C);
      outside(c, C, 0x30, 0x39)
        .i32Eqz()
        .ifThen(() => {
          c.get(AT).i32(1).i32Add().set(AT);
          c.br(again);
        });
      c.get(C).i32(0x2e).i32Eq();
      c.get(C).i32(0x65).i32Eq().i32Or();
      c.get(C).i32(0x45).i32Eq().i32Or();
      c.get(C).i32(0x2b).i32Eq().i32Or();
      c.get(C).i32(0x2d).i32Eq().i32Or();
      c.i32Eqz().brIf(done);
      c.i32(0).set(SIMPLE);
      c.get(AT).i32(1).i32Add().set(AT);
      c.br(again);
    }),
  );
  c.get(AT)
    .get(START)
    .i32Eq()
    .ifThen(() => c.i32(-1).return());
  c.get(SIMPLE)
    .get(AT)
    .get(START)
    .i32Sub()
    .i32(15)
    .i32LeU()
    .i32And()
    .ifThen(() => {
      // Canonical iff no leading zero and not -0.
      c.get(START)
        .load8()
        .i32(0x30)
        .i32Eq()
        .ifThen(() => {
          c.get(AT).get(START).i32Sub().i32(1).i32GtU();
          c.get(START).get(POS).i32GtU().i32Or();
          c.ifThen(() => c.i32(-1).return());
        });
      c.get(AT).return();
    });
  c.i32(0)
    .get(POS)
    .get(AT)
    .i32(0)
    .i32(0)
    .call(F_DEFER)
    .i32Eqz()
    .ifThen(() => c.i32(-1).return());
  c.get(AT);
  return c;
}

/** scanValue(pos, end, depth) */
function scanValue(): Code {
  const [POS, END, DEPTH, C] = [0, 1, 2, 3];
  const c = new Code(0, { params: 3, i32Locals: 1, results: 1 });
  const no = () => c.i32(-1).return();
  c.get(POS).get(END).i32GeU().ifThen(no);
  c.get(POS).load8().set(C);
  c.get(C)
    .i32(0x22)
    .i32Eq()
    .ifThen(() => c.get(POS).get(END).call(F_STRING).return());
  c.get(C)
    .i32(0x7b)
    .i32Eq()
    .ifThen(() => c.get(POS).get(END).get(DEPTH).call(F_OBJECT).return());
  c.get(C)
    .i32(0x5b)
    .i32Eq()
    .ifThen(() => c.get(POS).get(END).get(DEPTH).call(F_ARRAY).return());
  c.get(C).i32(0x2d).i32Eq();
  outside(c, C, 0x30, 0x39).i32Eqz().i32Or();
  c.ifThen(() => c.get(POS).get(END).call(F_NUMBER).return());
  for (const literal of ["true", "false", "null"]) {
    c.get(C)
      .i32(literal.charCodeAt(0))
      .i32Eq()
      .ifThen(() => {
        c.get(POS).i32(literal.length).i32Add().get(END).i32GtU().ifThen(no);
        c.get(POS)
          .i32Load(literal.length - 4)
          .i32(word(literal, literal.length - 4))
          .i32Ne()
          .ifThen(no);
        c.get(POS).i32(literal.length).i32Add().return();
      });
  }
  c.i32(-1);
  return c;
}

/**
 * The opening of an object or array at local `pos`: fails past MAX_JSON_DEPTH, sets `at` after the
 * opening byte, and returns the position after `close` for an empty container.
 */
function openContainer(
  c: Code,
  local: { pos: number; end: number; depth: number; at: number },
  close: number,
  no: () => void,
): void {
  c.get(local.depth).i32(MAX_JSON_DEPTH).i32GeU().ifThen(no);
  c.get(local.pos).i32(1).i32Add().set(local.at);
  c.get(local.at)
    .get(local.end)
    .i32LtU()
    .ifThen(() =>
      c
        .get(local.at)
        .load8()
        .i32(close)
        .i32Eq()
        .ifThen(() => c.get(local.at).i32(1).i32Add().return()),
    );
}

/** After a member or an element: `close` returns the position after it, a comma goes `again`, else fail. */
function closeOrNext(
  c: Code,
  local: { end: number; at: number; byte: number },
  close: number,
  again: Label,
  no: () => void,
): void {
  c.get(local.at).get(local.end).i32GeU().ifThen(no);
  c.get(local.at).load8().set(local.byte);
  c.get(local.at).i32(1).i32Add().set(local.at);
  c.get(local.byte)
    .i32(close)
    .i32Eq()
    .ifThen(() => c.get(local.at).return());
  c.get(local.byte).i32(0x2c).i32Eq().brIf(again);
}

/** scanObject(pos, end, depth): keys strictly increasing; wide key pairs deferred. */
function scanObject(): Code {
  const [POS, END, DEPTH, AT, KEY, KEY_END, KEY_WIDE, PREV, PREV_END, PREV_WIDE, N, I, D] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ];
  const c = new Code(0, { params: 3, i32Locals: 10, results: 1 });
  const no = () => c.i32(-1).return();
  openContainer(c, { pos: POS, end: END, depth: DEPTH, at: AT }, 0x7d, no);
  c.i32(-1).set(PREV);
  c.loop((again) => {
    c.get(AT).get(END).i32GeU().ifThen(no);
    c.get(AT).load8().i32(0x22).i32Ne().ifThen(no);
    c.get(AT).i32(1).i32Add().set(KEY);
    c.get(AT).get(END).call(F_STRING).tee(AT).i32(0).i32LtS().ifThen(no);
    c.get(AT).i32(1).i32Sub().set(KEY_END);
    c.globalGet(G_WIDE).set(KEY_WIDE);
    c.get(PREV)
      .i32(0)
      .i32GeS()
      .ifThen(() => {
        c.get(PREV_WIDE)
          .get(KEY_WIDE)
          .i32Or()
          .ifThen(
            () => {
              c.i32(1).get(PREV).get(PREV_END).get(KEY).get(KEY_END).call(F_DEFER).i32Eqz().ifThen(no);
            },
            () => {
              // Plain ASCII: byte order is UTF-16 order; the previous key must sort strictly first.
              c.block((ordered) => {
                c.get(PREV_END).get(PREV).i32Sub().set(N);
                c.get(KEY_END)
                  .get(KEY)
                  .i32Sub()
                  .tee(D)
                  .get(N)
                  .i32LtU()
                  .ifThen(() => c.get(D).set(N));
                c.i32(0).set(I);
                c.block((same) =>
                  c.loop((next) => {
                    c.get(I).get(N).i32GeU().brIf(same);
                    c.get(PREV).get(I).i32Add().load8();
                    c.get(KEY).get(I).i32Add().load8();
                    c.i32Sub()
                      .tee(D)
                      .ifThen(() => {
                        c.get(D).i32(0).i32GtS().ifThen(no);
                        c.br(ordered);
                      });
                    c.get(I).i32(1).i32Add().set(I);
                    c.br(next);
                  }),
                );
                // One is a prefix of the other: the shorter sorts first, equal keys repeat.
                c.get(PREV_END).get(PREV).i32Sub().get(KEY_END).get(KEY).i32Sub().i32GeU().ifThen(no);
              });
            },
          );
      });
    c.get(DEPTH)
      .i32Eqz()
      .ifThen(() => {
        c.get(KEY_END).get(KEY).i32Sub().i32(5).i32Eq();
        c.get(KEY).i32Load().i32(word("cite")).i32Eq().i32And();
        c.get(KEY).load8(4).i32(0x73).i32Eq().i32And();
        c.ifThen(() => c.i32(1).globalSet(G_CITES));
      });
    c.get(KEY).set(PREV).get(KEY_END).set(PREV_END).get(KEY_WIDE).set(PREV_WIDE);
    c.get(AT).get(END).i32GeU().ifThen(no);
    c.get(AT).load8().i32(0x3a).i32Ne().ifThen(no);
    c.get(AT).i32(1).i32Add().get(END).get(DEPTH).i32(1).i32Add().call(F_VALUE).tee(AT).i32(0).i32LtS().ifThen(no);
    closeOrNext(c, { end: END, at: AT, byte: D }, 0x7d, again, no);
  });
  c.i32(-1);
  return c;
}

/** scanArray(pos, end, depth) */
function scanArray(): Code {
  const [POS, END, DEPTH, AT, C] = [0, 1, 2, 3, 4];
  const c = new Code(0, { params: 3, i32Locals: 2, results: 1 });
  const no = () => c.i32(-1).return();
  openContainer(c, { pos: POS, end: END, depth: DEPTH, at: AT }, 0x5d, no);
  c.loop((again) => {
    c.get(AT).get(END).get(DEPTH).i32(1).i32Add().call(F_VALUE).tee(AT).i32(0).i32LtS().ifThen(no);
    closeOrNext(c, { end: END, at: AT, byte: C }, 0x5d, again, no);
  });
  c.i32(-1);
  return c;
}

/** defer(kind, a0, a1, b0, b1) → 1, or 0 when the list is full (the line is then UNSURE). */
function defer(): Code {
  const [KIND, A0, A1, B0, B1, P] = [0, 1, 2, 3, 4, 5];
  const c = new Code(0, { params: 5, i32Locals: 1, results: 1 });
  c.globalGet(G_DEFER)
    .tee(P)
    .i32(DEFER + MAX_DEFER * 32)
    .i32GeU()
    .ifThen(() => c.i32(0).return());
  c.get(P).globalGet(G_LINE).i32Store(0);
  c.get(P).get(KIND).i32Store(4);
  c.get(P).get(A0).i32Store(8);
  c.get(P).get(A1).i32Store(12);
  c.get(P).get(B0).i32Store(16);
  c.get(P).get(B1).i32Store(20);
  c.get(P).i32(32).i32Add().globalSet(G_DEFER);
  c.i32(1);
  return c;
}

/**
 * validateLine(start, end, index) → status | flags. The envelope is read as record-line.ts reads it:
 * the fixed head forwards, the tail backwards from the end; seq and prev go to SEQS and PREVS.
 */
function validateLine(): Code {
  const [START, END, INDEX, Q, DIGITS, DIGITS_END, PREV, BODY_END, W, K, X, N] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const c = new Code(0, { params: 3, i32Locals: 9, results: 1 });
  c.block((other) => {
    c.block((unsure) => {
      c.get(END).get(START).i32Sub().i32(6).i32LtU().brIf(other);
      expectBytes(c, START, 0, '{"at":', other);
      c.get(END).get(START).i32Sub().i32(MIN_LENGTH).i32LtU().brIf(unsure);
      expectBytes(c, START, 6, '"', unsure);
      // "YYYY-MM-DDTHH:MM:SS.mmmZ"
      const shape = "0000-00-00T00:00:00.000Z";
      for (let i = 0; i < shape.length; i++) {
        if (shape[i] === "0") {
          c.get(START)
            .load8(7 + i)
            .i32(0x30)
            .i32Sub()
            .i32(9)
            .i32GtU()
            .brIf(unsure);
        } else expectBytes(c, START, 7 + i, shape[i]!, unsure);
      }
      expectBytes(c, START, 31, '","body":', unsure);
      c.get(END).i32(8).i32Sub().set(X);
      expectBytes(c, X, 0, '","v":1}', unsure);
      // The type holds no quote: walk back from its end to the quote that opens it.
      c.get(X).i32(1).i32Sub().set(Q);
      c.block((found) =>
        c.loop((back) => {
          c.get(Q)
            .get(START)
            .i32(BODY_OFFSET + 9)
            .i32Add()
            .i32LeU()
            .brIf(unsure);
          c.get(Q).load8().i32(0x22).i32Eq().brIf(found);
          c.get(Q).i32(1).i32Sub().set(Q);
          c.br(back);
        }),
      );
      c.get(Q).i32(8).i32Sub().set(DIGITS_END);
      expectBytes(c, DIGITS_END, 0, ',"type":"', unsure);
      // TYPE_PATTERN: a letter first, then [a-z0-9_-] and dots, at least one dot, none doubled or last.
      c.get(Q).i32(1).i32Add().set(K);
      c.get(K).get(X).i32GeU().brIf(unsure);
      c.get(K).load8().set(W);
      outside(c, W, 0x61, 0x7a).brIf(unsure);
      c.i32(0).set(N);
      c.block((typeDone) =>
        c.loop((next) => {
          c.get(K).i32(1).i32Add().tee(K).get(X).i32GeU().brIf(typeDone);
          c.get(K).load8().load8(TYPE_CHAR).tee(W).i32Eqz().brIf(unsure);
          c.get(W)
            .i32(2)
            .i32Eq()
            .ifThen(() => {
              c.get(K).i32(1).i32Sub().load8().i32(0x2e).i32Eq().brIf(unsure);
              c.get(N).i32(1).i32Add().set(N);
            });
          c.br(next);
        }),
      );
      c.get(N).i32Eqz().brIf(unsure);
      c.get(X).i32(1).i32Sub().load8().i32(0x2e).i32Eq().brIf(unsure);
      // seq: 1-15 digits, no leading zero
      c.get(DIGITS_END).set(DIGITS);
      c.block((digitsDone) =>
        c.loop((back) => {
          c.get(DIGITS)
            .get(START)
            .i32(BODY_OFFSET + 8)
            .i32Add()
            .i32LeU()
            .brIf(digitsDone);
          c.get(DIGITS).i32(1).i32Sub().load8().set(W);
          outside(c, W, 0x30, 0x39).brIf(digitsDone);
          c.get(DIGITS).i32(1).i32Sub().set(DIGITS);
          c.br(back);
        }),
      );
      c.get(DIGITS_END).get(DIGITS).i32Sub().tee(N).i32Eqz().brIf(unsure);
      c.get(N).i32(15).i32GtU().brIf(unsure);
      c.get(N).i32(1).i32GtU().get(DIGITS).load8().i32(0x30).i32Eq().i32And().brIf(unsure);
      c.get(DIGITS).i32(8).i32Sub().set(W);
      expectBytes(c, W, 0, '","seq":', unsure);
      c.get(W).i32(64).i32Sub().set(PREV);
      c.get(PREV).i32(9).i32Sub().tee(BODY_END).get(START).i32(BODY_OFFSET).i32Add().i32LeU().brIf(unsure);
      expectBytes(c, BODY_END, 0, ',"prev":"', unsure);
      // prev: 64 lowercase hex digits, decoded into 8 words
      c.get(INDEX).i32(32).i32Mul().i32(PREVS).i32Add().set(X);
      for (let w = 0; w < 8; w++) {
        c.i32(0).set(W);
        for (let i = 0; i < 8; i++) {
          c.get(PREV)
            .load8(w * 8 + i)
            .load8(HEX)
            .tee(K)
            .i32(16)
            .i32GeU()
            .brIf(unsure);
          c.get(W).i32(4).i32Shl().get(K).i32Or().set(W);
        }
        c.get(X)
          .get(W)
          .i32Store(w * 4);
      }
      c.i32(0).globalSet(G_CITES);
      c.get(START).i32(BODY_OFFSET).i32Add().get(BODY_END).i32(0).call(F_VALUE).get(BODY_END).i32Ne().brIf(unsure);
      // seq as an f64 (exact: at most 15 digits), from its leading digits (K) and its last nine (W)
      c.i32(0).set(K).i32(0).set(W);
      c.block((done) =>
        c.loop((next) => {
          c.get(DIGITS).get(DIGITS_END).i32GeU().brIf(done);
          c.get(DIGITS).load8().i32(0x30).i32Sub().set(X);
          c.get(DIGITS_END)
            .get(DIGITS)
            .i32Sub()
            .i32(9)
            .i32GtU()
            .ifThen(
              () => c.get(K).i32(10).i32Mul().get(X).i32Add().set(K),
              () => c.get(W).i32(10).i32Mul().get(X).i32Add().set(W),
            );
          c.get(DIGITS).i32(1).i32Add().set(DIGITS);
          c.br(next);
        }),
      );
      c.get(INDEX).i32(8).i32Mul().i32(SEQS).i32Add();
      c.get(K).f64FromU32().f64(1e9).f64Mul().get(W).f64FromU32().f64Add().f64Store();
      c.get(INDEX)
        .i32(16)
        .i32Mul()
        .get(BODY_END)
        .i32Store(LINES + 12);
      c.globalGet(G_CITES).ifThen(
        () => c.i32(STATUS_OK | FLAG_CITES).return(),
        () => c.i32(STATUS_OK).return(),
      );
    });
    c.i32(STATUS_UNSURE).return();
  });
  c.i32(STATUS_OTHER);
  return c;
}

/**
 * lines(pos, end, max) → how many lines were read from [pos, end) (at most max; each ends in "\n"),
 * with an entry per line in LINES and the deferred checks in DEFER (their count at DEFER_COUNT_AT).
 */
function lines(): Code {
  const [POS, END, MAX, COUNT, NL, MASK, STATUS, SAVED] = [0, 1, 2, 3, 4, 5, 6, 7];
  const c = new Code(0, { params: 3, i32Locals: 5, results: 1 });
  c.i32(DEFER).globalSet(G_DEFER);
  c.i32(0).set(COUNT);
  c.block((done) =>
    c.loop((nextLine) => {
      c.get(POS).get(END).i32GeU().brIf(done);
      c.get(COUNT).get(MAX).i32GeU().brIf(done);
      // The newline ending this line, sixteen bytes at a time.
      c.get(POS).set(NL);
      c.block((found) =>
        c.loop((scan) => {
          c.get(NL)
            .i32(16)
            .i32Add()
            .get(END)
            .i32LeU()
            .ifThen(
              () => {
                c.get(NL).load(0).splat8(0x0a).eq8().bitmask8().tee(MASK);
                c.ifThen(() => {
                  c.get(NL).get(MASK).i32Ctz().i32Add().set(NL);
                  c.br(found);
                });
                c.get(NL).i32(16).i32Add().set(NL);
              },
              () => {
                c.get(NL).get(END).i32GeU().brIf(found);
                c.get(NL).load8().i32(0x0a).i32Eq().brIf(found);
                c.get(NL).i32(1).i32Add().set(NL);
              },
            );
          c.br(scan);
        }),
      );
      c.get(COUNT).globalSet(G_LINE);
      c.globalGet(G_DEFER).set(SAVED);
      c.get(POS).get(NL).get(COUNT).call(F_LINE).tee(STATUS);
      c.i32(15)
        .i32And()
        .ifThen(() => {
          // Not accepted: its deferred checks go, and its seq reads -1.
          c.get(SAVED).globalSet(G_DEFER);
          c.get(COUNT).i32(8).i32Mul().i32(SEQS).i32Add().f64(-1).f64Store();
        });
      c.get(COUNT).i32(16).i32Mul().set(MASK);
      c.get(MASK).get(POS).i32Store(LINES);
      c.get(MASK)
        .get(NL)
        .i32Store(LINES + 4);
      c.get(MASK)
        .get(STATUS)
        .i32Store(LINES + 8);
      c.get(NL).i32(1).i32Add().set(POS);
      c.get(COUNT).i32(1).i32Add().set(COUNT);
      c.br(nextLine);
    }),
  );
  c.i32(DEFER_COUNT_AT).globalGet(G_DEFER).i32(DEFER).i32Sub().i32(5).i32ShrU().i32Store();
  c.get(COUNT);
  return c;
}

/** count(pos, end) → how many newlines [pos, end) holds, sixteen bytes at a time. */
function count(): Code {
  const [POS, END, N] = [0, 1, 2];
  const c = new Code(0, { params: 2, i32Locals: 1, results: 1 });
  c.i32(0).set(N);
  c.block((done) =>
    c.loop((again) => {
      c.get(POS).i32(16).i32Add().get(END).i32GtU().brIf(done);
      c.get(N).get(POS).load(0).splat8(0x0a).eq8().bitmask8().i32Popcnt().i32Add().set(N);
      c.get(POS).i32(16).i32Add().set(POS);
      c.br(again);
    }),
  );
  c.block((done) =>
    c.loop((again) => {
      c.get(POS).get(END).i32GeU().brIf(done);
      c.get(N).get(POS).load8().i32(0x0a).i32Eq().i32Add().set(N);
      c.get(POS).i32(1).i32Add().set(POS);
      c.br(again);
    }),
  );
  c.get(N);
  return c;
}

/** The module's functions in index order; `lines` and `count` are exported. */
export function validatorFunctions(): { name?: string; code: Code }[] {
  return [
    { code: scanString() },
    { code: scanNumber() },
    { code: scanValue() },
    { code: scanObject() },
    { code: scanArray() },
    { code: defer() },
    { code: validateLine() },
    { name: "lines", code: lines() },
    { name: "count", code: count() },
  ];
}

/** The byte tables the program reads, to be written at the start of its memory. */
export function validatorTables(): Uint8Array {
  const tables = new Uint8Array(1024);
  for (let b = 0; b < 256; b++) {
    tables[CLASS + b] =
      b < 0x20
        ? CLASS_CONTROL
        : b === 0x22
          ? CLASS_END
          : b === 0x5c
            ? CLASS_ESCAPE
            : b >= 0x80
              ? CLASS_HIGH
              : CLASS_PLAIN;
    tables[HEX + b] = 255;
  }
  for (let v = 0; v < 16; v++) tables[HEX + (v < 10 ? 0x30 + v : 0x57 + v)] = v;
  for (const e of '"\\bfnrt') tables[SHORT + e.charCodeAt(0)] = 1;
  for (const ch of "abcdefghijklmnopqrstuvwxyz0123456789_-") tables[TYPE_CHAR + ch.charCodeAt(0)] = 1;
  tables[TYPE_CHAR + 0x2e] = 2;
  return tables;
}
