// PostgreSQL's text and jsonb cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"),
// yet a query, a cid or a model's answer may contain it: valid JSON, stored as is by SQLite. Refusing
// it would fail a request after the model was paid for, so the PostgreSQL store writes it escaped,
// reversibly: U+0000 as U+E000 "0", and the escape character U+E000 itself as U+E000 U+E000.
// Lookups escape their cid the same way, so equality (and the unique cid) still hold.
// Migration 002 escapes the U+E000s of rows written before this encoding existed.

const ESCAPE = "\uE000";

/** A string as the PostgreSQL store writes it. */
export function toPgText(value: string): string {
  if (!value.includes("\0") && !value.includes(ESCAPE)) return value;
  return value.replace(/[\0\uE000]/g, (char) => (char === "\0" ? `${ESCAPE}0` : `${ESCAPE}${ESCAPE}`));
}

/** A string as the PostgreSQL store read it back. */
export function fromPgText(value: string): string {
  if (!value.includes(ESCAPE)) return value;
  return value.replace(/\uE000([0\uE000])/g, (_match, char: string) => (char === "0" ? "\0" : ESCAPE));
}

/** Every string in a JSON value (keys included) passed through `map`. */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === "string") return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [map(key), mapStrings(item, map)]));
}

/** A value for a jsonb parameter: JSON text whose strings are escaped (jsonb refuses "\u0000"). */
export function toPgJson(value: unknown): string {
  return JSON.stringify(mapStrings(value, toPgText));
}

/** A jsonb column as pg parsed it, with its strings unescaped. */
export function fromPgJson<T>(value: unknown): T {
  return mapStrings(value, fromPgText) as T;
}
