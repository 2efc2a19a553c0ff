// Where and why Python's json.loads (what FastAPI parses bodies with) refuses a text, so a body that
// is not JSON gets the reference's answer: `{"type":"json_invalid","loc":["body", pos],
// "ctx":{"error": msg}}` with Python's message and character position, instead of V8's wording.
// It follows CPython's C scanner (Modules/_json.c, Python ≤ 3.12), run only after JSON.parse failed.
// One difference is kept on purpose: NaN and Infinity, which Python takes, are not JSON and are
// refused as "Expecting value".

export interface JsonDecodeError {
  /** Position in characters (code points, as Python counts them). */
  pos: number;
  msg: string;
}

class Fail {
  readonly pos: number;
  readonly msg: string;
  constructor(pos: number, msg: string) {
    this.pos = pos;
    this.msg = msg;
  }
}

const isSpace = (char: string | undefined) => char === " " || char === "\t" || char === "\n" || char === "\r";
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

function skipSpace(text: string, index: number): number {
  let i = index;
  while (isSpace(text[i])) i++;
  return i;
}

/** The index after a string whose opening quote is at `start - 1`. */
function scanString(text: string, start: number): number {
  const begin = start - 1;
  let i = start;
  for (;;) {
    if (i >= text.length) throw new Fail(begin, "Unterminated string starting at");
    const char = text[i] as string;
    if (char === '"') return i + 1;
    if (char.charCodeAt(0) <= 0x1f) throw new Fail(i, "Invalid control character at");
    if (char !== "\\") {
      i++;
      continue;
    }
    const escaped = text[i + 1];
    if (escaped === undefined) throw new Fail(begin, "Unterminated string starting at");
    if (escaped === "u") {
      // The C scanner wants the four digits and one more character before the end.
      if (i + 6 >= text.length || !HEX4.test(text.slice(i + 2, i + 6))) {
        throw new Fail(i + 1, "Invalid \\uXXXX escape");
      }
      i += 6;
    } else if ('"\\/bfnrt'.includes(escaped)) {
      i += 2;
    } else {
      throw new Fail(i, "Invalid \\escape");
    }
  }
}

/** The index after the scalar at `index`; containers are left to the caller. */
function scanScalar(text: string, index: number): number {
  const char = text[index];
  if (char === '"') return scanString(text, index + 1);
  for (const word of ["null", "true", "false"]) if (text.startsWith(word, index)) return index + word.length;
  NUMBER.lastIndex = index;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  throw new Fail(index, "Expecting value");
}

function scan(text: string): void {
  // An explicit stack of open containers: a body may nest deeper than the call stack allows.
  const open: ("{" | "[")[] = [];
  let i = skipSpace(text, 0);
  // Expecting a value at `i` (or the first key / closing bracket right after an opening one).
  let expectValue = true;
  for (;;) {
    if (expectValue) {
      const char = text[i];
      if (char === "{" || char === "[") {
        open.push(char);
        i = skipSpace(text, i + 1);
        const close = char === "{" ? "}" : "]";
        if (text[i] === close) {
          open.pop();
          i += 1;
          expectValue = false;
        } else if (char === "{") {
          i = objectKey(text, i);
        }
        continue;
      }
      i = scanScalar(text, i);
      expectValue = false;
      continue;
    }
    // After a value: close the container, or a comma and the next member, or the end of the text.
    i = skipSpace(text, i);
    const container = open.at(-1);
    if (container === undefined) {
      if (i !== text.length) throw new Fail(i, "Extra data");
      return;
    }
    const close = container === "{" ? "}" : "]";
    if (text[i] === close) {
      open.pop();
      i += 1;
      continue;
    }
    if (text[i] !== ",") throw new Fail(i, "Expecting ',' delimiter");
    i = skipSpace(text, i + 1);
    if (container === "{") i = objectKey(text, i);
    expectValue = true;
  }
}

/** Reads `"key" :` at `index` and returns where the member's value starts. */
function objectKey(text: string, index: number): number {
  if (text[index] !== '"') throw new Fail(index, "Expecting property name enclosed in double quotes");
  const i = skipSpace(text, scanString(text, index + 1));
  if (text[i] !== ":") throw new Fail(i, "Expecting ':' delimiter");
  return skipSpace(text, i + 1);
}

/** Python counts characters, JavaScript UTF-16 units: the same place, in Python's count. */
function codePoints(text: string, units: number): number {
  let count = 0;
  for (let i = 0; i < units; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < units) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Python's refusal of `text` (a leading BOM is dropped, as Starlette's bytes decoding does). */
export function pythonJsonError(body: string): JsonDecodeError | undefined {
  const text = body.startsWith("\uFEFF") ? body.slice(1) : body;
  try {
    scan(text);
    return undefined;
  } catch (error) {
    if (!(error instanceof Fail)) throw error;
    return { pos: codePoints(text, error.pos), msg: error.msg };
  }
}
