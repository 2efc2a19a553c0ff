// The offending value an error echoes back ("input"), bounded: a body may be up to the body limit
// and nested thousands of levels deep, and echoing it whole would make the error bigger than the
// request (or overflow the stack of the serializer: a 500 instead of the 422). Small values come
// back exactly as sent.

const MAX_DEPTH = 8;
const MAX_ITEMS = 64;
const MAX_STRING = 2048;

/** `value`, with strings, arrays and objects cut down past the bounds (each cut says what it left out). */
export function boundedEcho(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    return value.length <= MAX_STRING ? value : `${value.slice(0, MAX_STRING)}… (${value.length} characters)`;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return `[array of ${value.length}, nested too deep to echo]`;
    const items = value.slice(0, MAX_ITEMS).map((item) => boundedEcho(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more items`);
    return items;
  }
  const keys = Object.keys(value);
  if (depth >= MAX_DEPTH) return `{object of ${keys.length} keys, nested too deep to echo}`;
  const out: Record<string, unknown> = {};
  for (const key of keys.slice(0, MAX_ITEMS))
    out[key] = boundedEcho((value as Record<string, unknown>)[key], depth + 1);
  if (keys.length > MAX_ITEMS) out["…"] = `${keys.length - MAX_ITEMS} more keys`;
  return out;
}
