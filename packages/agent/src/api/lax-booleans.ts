// The reference's models are plain pydantic ones, validated in lax mode: a bool field also takes
// 0 and 1 and the strings "true"/"false", "yes"/"no", "on"/"off", "t"/"f", "y"/"n", "1"/"0" (any
// case). An orchestrator sending "use_playbook": "false" was answered by the reference, so it is
// here too: those values become booleans before validation, anything else stays a 422 (with
// pydantic's bool_parsing or bool_type, see errors.ts).

const FALSE = new Set(["0", "f", "n", "no", "off", "false"]);
const TRUE = new Set(["1", "t", "y", "on", "yes", "true"]);

/** pydantic's lax reading of a bool; undefined when it would refuse the value. */
export function laxBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 0 ? false : value === 1 ? true : undefined;
  if (typeof value !== "string") return undefined;
  // pydantic compares "0" and "1" exactly and the words without regard to ASCII case.
  const word = value === "0" || value === "1" ? value : value.toLowerCase();
  return FALSE.has(word) ? false : TRUE.has(word) ? true : undefined;
}

/** Replaces the lax forms of `fields` in a parsed body by booleans (in place). */
export function coerceLaxBooleans(body: unknown, fields: readonly string[]): void {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return;
  const record = body as Record<string, unknown>;
  for (const field of fields) {
    if (!(field in record)) continue;
    const value = laxBoolean(record[field]);
    if (value !== undefined) record[field] = value;
  }
}
