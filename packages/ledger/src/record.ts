// The record envelope: { v, seq, type, at, body, prev } hashed as RFC 8785 canonical JSON.
// Keys sort as at < body < prev < seq < type < v, so a record line can be assembled from the
// canonical body by concatenation, and its fixed head and tail can be parsed without JSON.parse.
import { sha256 } from "./hash.ts";
import { canonicalJson, type Json, LedgerValueError } from "./json.ts";

export interface LedgerRecord {
  v: 1;
  seq: number;
  type: string;
  at: string;
  body: Json;
  prev: string;
}

export interface StoredRecord extends LedgerRecord {
  /** hex SHA-256 of the RFC 8785 canonical record (without this field). */
  hash: string;
}

/** Types are namespaced by the part that writes them: `coordinator.job_done`, `fleet.decision`. */
export const TYPE_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;
/** One record's canonical line may not exceed this; larger evidence belongs in a blob cited by hash. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** The last type that passed: records of one writer mostly repeat a few types. */
let lastValidType = "";

export function assertType(type: unknown, path = "type"): asserts type is string {
  if (type === lastValidType && lastValidType !== "") return;
  if (typeof type !== "string" || type.length > 100 || !TYPE_PATTERN.test(type)) {
    throw new LedgerValueError(
      path,
      `record type must be namespaced like "part.name" (lowercase letters, digits, _ and -, at most 100 characters), got ${JSON.stringify(type)}`,
    );
  }
  lastValidType = type;
}

// Appends in the same millisecond share one formatted timestamp (toISOString costs more than the rest
// of preparing a small record), and so do the records of a batch stamped with one instant (a fleet
// cycle's 30,000 records carry its start time).
let lastNow = -1;
let lastNowText = "";
let lastAt = Number.NaN;
let lastAtText = "";

/** ISO-8601 UTC with milliseconds, always 24 characters. */
export function formatAt(at: Date | undefined, path = "at"): string {
  if (at === undefined) {
    const now = Date.now();
    if (now !== lastNow) {
      lastNow = now;
      lastNowText = new Date(now).toISOString();
    }
    return lastNowText;
  }
  if (!(at instanceof Date)) throw new LedgerValueError(path, "must be a valid Date");
  const ms = at.getTime();
  if (ms === lastAt) return lastAtText; // never NaN: NaN equals nothing
  if (Number.isNaN(ms)) throw new LedgerValueError(path, "must be a valid Date");
  const text = at.toISOString();
  // Years outside 0000..9999 come out as ±YYYYYY, longer than 24 characters.
  if (text.length !== 24) throw new LedgerValueError(path, `year must be between 0000 and 9999 (${text})`);
  lastAt = ms;
  lastAtText = text;
  return text;
}

/** The canonical JSON of a record, built from its already-canonical body. */
export function recordLine(at: string, bodyJson: string, prev: string, seq: number, type: string): string {
  return `{"at":"${at}","body":${bodyJson},"prev":"${prev}","seq":${seq},"type":"${type}","v":1}`;
}

/** hex SHA-256 of the canonical record; extra properties (such as `hash`) are ignored. */
export function recordHash(record: LedgerRecord): string {
  const { v, seq, type, at, body, prev } = record;
  return sha256(canonicalJson({ v, seq, type, at, body, prev }, "record")).toString("hex");
}

/**
 * Record `seq` from its stored line, or why the line is not that record (a damaged store: the line
 * was edited, cut, or read from the wrong place).
 */
export function storedRecordAt(line: string, seq: number, hash?: string): StoredRecord | string {
  let record: StoredRecord;
  try {
    record = storedRecordFromLine(line, hash);
  } catch (error) {
    return `it is not a JSON record (${(error as Error).message})`;
  }
  return record.seq === seq ? record : `it holds seq ${JSON.stringify(record.seq)} instead`;
}

/** Parses one stored record line (already known to be canonical) into a StoredRecord. */
export function storedRecordFromLine(line: string, hash?: string): StoredRecord {
  const parsed = JSON.parse(line) as LedgerRecord;
  return {
    v: 1,
    seq: parsed.seq,
    type: parsed.type,
    at: parsed.at,
    body: parsed.body,
    prev: parsed.prev,
    hash: hash ?? sha256(line).toString("hex"),
  };
}
