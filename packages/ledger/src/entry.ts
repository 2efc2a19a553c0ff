// Validation of what a caller wants to append, done before the entry joins a group commit so a bad
// entry fails alone with an error naming its field, and nothing already queued is affected.
import { type Citation, citationsOf } from "./citations.ts";
import { canonicalJson, type Json, LedgerValueError } from "./json.ts";
import { assertType, formatAt, MAX_RECORD_BYTES } from "./record.ts";

export interface PreparedEntry {
  type: string;
  body: Json;
  /** RFC 8785 canonical JSON of body. */
  bodyJson: string;
  at: string;
  cites: Citation[];
}

export function prepareEntry(type: string, body: Json, at?: Date, path = ""): PreparedEntry {
  assertType(type, `${path}type`);
  if (body === undefined) throw new LedgerValueError(`${path}body`, "is required (use null for an empty body)");
  const bodyJson = canonicalJson(body, `${path}body`);
  if (bodyJson.length > MAX_RECORD_BYTES) {
    throw new LedgerValueError(
      `${path}body`,
      `is ${bodyJson.length} bytes; a record body may have at most ${MAX_RECORD_BYTES}`,
    );
  }
  return { type, body, bodyJson, at: formatAt(at, `${path}at`), cites: citationsOf(body, `${path}body`) };
}
