// Avalon controllers pack each module's state into one string under "MM ID0" (or MM ID1..N on
// older AUC-connected rigs): `Ver[1246-...] Elapsed[103840] Temp[28] TMax[75] Fan1[2984]
// GHSmm[37768.67] MGHS[18727.58 18507.76] MTmax[75 70] PS[0 1212 1315 174 2288 1320] ...`.
// Brackets hold space-separated values; PS's fifth value is the supply's output power in W.

import type { JsonObject } from "./lenient-json.ts";
import { isSpace, toNumber } from "./values.ts";

/**
 * One module's fields: name → its space-separated values. The values are split when first asked
 * for: the per-chip lists (PVT_T0.. with a value per chip, ~120 a board) are only ever counted.
 */
export class AvalonFields {
  private readonly text: string;
  /** Name → [start, end) of its bracketed values in text; the first field of a name wins. */
  private readonly spans = new Map<string, [number, number]>();
  private readonly values = new Map<string, string[]>();

  constructor(text: string) {
    this.text = text;
  }

  /** Records a field's span (the parser's side); a repeated name keeps its first span. */
  addSpan(name: string, start: number, end: number): void {
    if (!this.spans.has(name)) this.spans.set(name, [start, end]);
  }

  has(name: string): boolean {
    return this.spans.has(name);
  }

  get size(): number {
    return this.spans.size;
  }

  /** The field's values, or undefined when the module has no such field. */
  get(name: string): string[] | undefined {
    let words = this.values.get(name);
    if (words === undefined) {
      const span = this.spans.get(name);
      if (span === undefined) return undefined;
      words = splitWords(this.text, span[0], span[1]);
      this.values.set(name, words);
    }
    return words;
  }

  /** How many of the field's values are not "0" (null when there is no such field), without splitting. */
  countNonZero(name: string): number | null {
    const span = this.spans.get(name);
    if (span === undefined) return null;
    let count = 0;
    let word = -1;
    for (let i = span[0]; i <= span[1]; i++) {
      const space = i === span[1] || isSpace(this.text.charCodeAt(i));
      if (space && word !== -1) {
        if (i - word !== 1 || this.text.charCodeAt(word) !== 0x30) count++; // not "0"
        word = -1;
      } else if (!space && word === -1) word = i;
    }
    return count;
  }

  /** Every field with its values, for tests and the probe command. */
  entries(): [string, string[]][] {
    return [...this.spans.keys()].map((name) => [name, this.get(name) as string[]]);
  }
}

/**
 * Parses one MM ID string into its fields; unknown layouts yield none. A field is a name (a
 * letter, then letters, digits or _) right before `[`; its values run to the next `]`. Scanned
 * by hand: the string is long (~1 KB on a 4-board unit) and read on every poll.
 */
export function parseAvalonModule(text: string): AvalonFields {
  const fields = new AvalonFields(text);
  let from = 0;
  for (;;) {
    const open = text.indexOf("[", from);
    if (open === -1) break;
    let start = open;
    while (start > from && isWordChar(text.charCodeAt(start - 1))) start--;
    while (start < open && !isLetter(text.charCodeAt(start))) start++;
    if (start === open) {
      from = open + 1; // no name before this bracket
      continue;
    }
    const close = text.indexOf("]", open + 1);
    if (close === -1) break;
    fields.addSpan(text.slice(start, open), open + 1, close);
    from = close + 1;
  }
  return fields;
}

function isLetter(code: number): boolean {
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

function isWordChar(code: number): boolean {
  return isLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x5f;
}

/** The white-space separated words of text[start, end). */
function splitWords(text: string, start: number, end: number): string[] {
  const words: string[] = [];
  let word = -1;
  for (let i = start; i <= end; i++) {
    const space = i === end || isSpace(text.charCodeAt(i));
    if (space && word !== -1) {
      words.push(text.slice(word, i));
      word = -1;
    } else if (!space && word === -1) word = i;
  }
  return words;
}

/** Every MM ID string in the STATS rows, in order. */
export function avalonModules(rows: readonly JsonObject[]): AvalonFields[] {
  const modules: AvalonFields[] = [];
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (key.startsWith("MM ID") && /^MM ID\d+$/.test(key) && typeof value === "string") {
        modules.push(parseAvalonModule(value));
      }
    }
  }
  return modules;
}

export function fieldNumber(fields: AvalonFields, name: string, index = 0): number | undefined {
  return toNumber(fields.get(name)?.[index]);
}

export function fieldNumbers(fields: AvalonFields, name: string): number[] {
  return (fields.get(name) ?? [])
    .map((value) => toNumber(value))
    .filter((value): value is number => value !== undefined);
}

/** "1246-21011901_..." → "1246", the model number Canaan prints in Ver[]. */
export function avalonModelNumber(fields: AvalonFields): string | undefined {
  const version = fields.get("Ver")?.[0];
  const match = version ? /^(\d{3,4})/.exec(version) : null;
  return match?.[1];
}
