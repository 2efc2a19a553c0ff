// A forgiving JSON reader for what miner firmwares actually send. The fast path is JSON.parse;
// only a reply it rejects goes through the tolerant reader, which repairs the known defects and
// names each repair so telemetry can say its source was damaged:
//   `}{` without a comma (bmminer's STATS), `,}` `,]` `[,{` and a leading comma, bare `inf`/`nan`
//   (cgminer prints doubles with %f), raw newlines inside strings, NUL bytes, a reply cut short.
// It returns a result and never throws: a reply nothing can repair is a reason, not an exception.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export type LenientResult =
  | { ok: true; value: JsonValue; repairs: string[]; truncated: boolean }
  | { ok: false; reason: string; repairs: string[] };

const maxDepth = 64;

class Unrepairable extends Error {}

/** Marks a scalar that was cut off by the end of the input: dropped rather than guessed at. */
const cut = Symbol("cut");
type Parsed = JsonValue | typeof cut;

function setKey(target: JsonObject, key: string, value: JsonValue): void {
  // Own property even for "__proto__", as JSON.parse does, so a reply cannot touch a prototype.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

class TolerantReader {
  private i = 0;
  readonly repairs = new Set<string>();
  truncated = false;

  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  read(): JsonValue {
    this.skipSpace();
    if (this.atEnd()) throw new Unrepairable("empty reply");
    const first = this.value(0);
    if (first === cut) throw new Unrepairable("reply cut off before any value");
    let root = first;
    this.skipSpace();
    while (!this.atEnd()) {
      const c = this.text[this.i];
      if (c === "{" && isObject(root)) {
        // Several top-level objects back to back: merge them, later keys winning.
        this.repairs.add("concatenated top-level objects merged");
        const next = this.value(0);
        if (next !== cut && isObject(next)) root = Object.assign(root, next);
      } else if (c === ",") {
        this.i++;
      } else {
        this.repairs.add("trailing data ignored");
        break;
      }
      this.skipSpace();
    }
    return root;
  }

  private atEnd(): boolean {
    return this.i >= this.text.length;
  }

  private skipSpace(): void {
    while (this.i < this.text.length) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else if (c === 0) {
        this.repairs.add("NUL byte inside the reply");
        this.i++;
      } else break;
    }
  }

  private value(depth: number): Parsed {
    if (depth > maxDepth) throw new Unrepairable(`nesting deeper than ${maxDepth} levels`);
    this.skipSpace();
    if (this.atEnd()) {
      this.truncated = true;
      return cut;
    }
    const c = this.text[this.i] as string;
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "-" || c === "+" || c === "." || (c >= "0" && c <= "9")) return this.number();
    if (/[A-Za-z]/.test(c)) return this.word();
    throw new Unrepairable(`unexpected '${printable(c)}' at offset ${this.i}`);
  }

  private object(depth: number): JsonObject {
    this.i++; // {
    const result: JsonObject = {};
    let expectingValue = true; // no member yet since the last comma
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) {
        this.truncated = true;
        return result;
      }
      const c = this.text[this.i];
      if (c === "}") {
        if (expectingValue && Object.keys(result).length > 0) this.repairs.add("trailing comma before }");
        this.i++;
        return result;
      }
      if (c === ",") {
        if (expectingValue) this.repairs.add(Object.keys(result).length === 0 ? "leading comma" : "doubled comma");
        expectingValue = true;
        this.i++;
        continue;
      }
      if (c !== '"') throw new Unrepairable(`expected a key at offset ${this.i}, found '${printable(c as string)}'`);
      if (!expectingValue) this.repairs.add("missing comma between members");
      const key = this.string();
      if (key === cut) return result;
      this.skipSpace();
      if (this.atEnd()) {
        this.truncated = true;
        return result;
      }
      if (this.text[this.i] !== ":") throw new Unrepairable(`expected ':' after key "${key}" at offset ${this.i}`);
      this.i++;
      const member = this.value(depth + 1);
      if (member === cut) return result;
      setKey(result, key, member);
      expectingValue = false;
    }
  }

  private array(depth: number): JsonValue[] {
    this.i++; // [
    const result: JsonValue[] = [];
    let expectingValue = true;
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) {
        this.truncated = true;
        return result;
      }
      const c = this.text[this.i];
      if (c === "]") {
        if (expectingValue && result.length > 0) this.repairs.add("trailing comma before ]");
        this.i++;
        return result;
      }
      if (c === ",") {
        if (expectingValue) this.repairs.add(result.length === 0 ? "leading comma" : "doubled comma");
        expectingValue = true;
        this.i++;
        continue;
      }
      if (!expectingValue)
        this.repairs.add(c === "{" ? "missing comma between objects (}{)" : "missing comma between elements");
      const element = this.value(depth + 1);
      if (element === cut) return result;
      result.push(element);
      expectingValue = false;
    }
  }

  private string(): string | typeof cut {
    this.i++; // opening quote
    let out = "";
    let start = this.i;
    while (this.i < this.text.length) {
      const code = this.text.charCodeAt(this.i);
      if (code === 0x22) {
        out += this.text.slice(start, this.i);
        this.i++;
        return out;
      }
      if (code === 0x5c) {
        out += this.text.slice(start, this.i);
        out += this.escape();
        start = this.i;
        continue;
      }
      if (code < 0x20)
        this.repairs.add(code === 0 ? "NUL byte inside a string" : "raw control character inside a string");
      this.i++;
    }
    this.truncated = true;
    return cut;
  }

  private escape(): string {
    const next = this.text[this.i + 1];
    if (next === undefined) {
      this.i++;
      return "";
    }
    this.i += 2;
    switch (next) {
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "/":
        return "/";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "u": {
        const hex = this.text.slice(this.i, this.i + 4);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.i += 4;
          return String.fromCharCode(Number.parseInt(hex, 16));
        }
        this.repairs.add("invalid \\u escape kept literally");
        return "\\u";
      }
      default:
        this.repairs.add("invalid escape kept literally");
        return next;
    }
  }

  private number(): number | null | typeof cut {
    const start = this.i;
    if (this.text[this.i] === "-" || this.text[this.i] === "+") {
      const after = this.text[this.i + 1];
      if (after !== undefined && /[A-Za-z]/.test(after)) {
        this.i++;
        const word = this.word(); // -inf, -nan
        if (word === null || word === cut) return word;
        throw new Unrepairable(`unexpected signed word at offset ${start}`);
      }
    }
    while (this.i < this.text.length && /[0-9eE.+-]/.test(this.text[this.i] as string)) this.i++;
    if (this.atEnd()) {
      // A number that runs into the end of the input may have lost digits: drop it.
      this.truncated = true;
      return cut;
    }
    const literal = this.text.slice(start, this.i);
    const value = Number(literal);
    if (literal === "" || Number.isNaN(value)) throw new Unrepairable(`bad number '${literal}' at offset ${start}`);
    if (!Number.isFinite(value)) {
      this.repairs.add("non-finite number replaced by null");
      return null;
    }
    return value;
  }

  private word(): JsonValue | typeof cut {
    const start = this.i;
    while (this.i < this.text.length && /[A-Za-z]/.test(this.text[this.i] as string)) this.i++;
    if (this.atEnd()) {
      this.truncated = true;
      return cut;
    }
    const word = this.text.slice(start, this.i).toLowerCase();
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    if (word === "inf" || word === "infinity" || word === "nan") {
      this.repairs.add(`bare ${word} replaced by null`);
      return null;
    }
    throw new Unrepairable(`unexpected word '${word.slice(0, 20)}' at offset ${start}`);
  }
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function printable(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x20 || code > 0x7e ? `\\x${code.toString(16).padStart(2, "0")}` : c;
}

/** Strips the NUL terminator(s) and surrounding whitespace cgminer puts after its JSON. */
function stripTerminators(text: string): string {
  let end = text.length;
  while (end > 0) {
    const code = text.charCodeAt(end - 1);
    if (code === 0 || code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) end--;
    else break;
  }
  let start = 0;
  while (start < end && /\s/.test(text[start] as string)) start++;
  return text.slice(start, end);
}

/**
 * Parses a miner's reply, repairing the known firmware defects; never throws. The fast path is
 * JSON.parse of the NUL-stripped text (what nearly every reply is); only a reply it rejects goes
 * through the tolerant reader, which gives the same value for any text JSON.parse accepts.
 */
export function parseLenientJson(text: string): LenientResult {
  const body = stripTerminators(text);
  try {
    return { ok: true, value: JSON.parse(body) as JsonValue, repairs: [], truncated: false };
  } catch {
    // Fall through to the tolerant reader.
  }
  return readTolerantly(body);
}

/** The tolerant reader alone, without the JSON.parse fast path (tests hold the two to the same value). */
export function parseTolerant(text: string): LenientResult {
  return readTolerantly(stripTerminators(text));
}

function readTolerantly(body: string): LenientResult {
  const reader = new TolerantReader(body);
  try {
    const value = reader.read();
    if (reader.truncated) reader.repairs.add("reply truncated: open strings, arrays and objects closed");
    return { ok: true, value, repairs: [...reader.repairs], truncated: reader.truncated };
  } catch (error) {
    const reason = error instanceof Unrepairable ? error.message : `parser failure: ${String(error)}`;
    return { ok: false, reason, repairs: [...reader.repairs] };
  }
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return value !== undefined && isObject(value);
}
