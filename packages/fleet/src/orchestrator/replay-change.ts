// What differs between a record in the ledger and its re-derivation, in one line for the replay
// report: a decision's action and reason (what an operator looks for first), else the fields
// that differ with both values, so "differs" never comes without the what.

import type { Json } from "../core/records.ts";

/** Fields named in full; the rest are counted. */
const shownFields = 3;
/** A value longer than this is cut (a telemetry snapshot, a long detail). */
const shownChars = 80;

type Body = Record<string, Json>;

function short(value: Json | undefined): string {
  if (value === undefined) return "(absent)";
  const text = JSON.stringify(value);
  return text.length > shownChars ? `${text.slice(0, shownChars - 1)}…` : text;
}

function same(a: Json | undefined, b: Json | undefined, canonical: (value: Json) => string): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonical(a) === canonical(b);
}

/** "expected HOLD THERMAL_LATCH, recorded RUN PROFITABLE_AGAIN", or the differing fields with both values. */
export function describeChange(expected: Json, actual: Json, canonical: (value: Json) => string): string {
  const e = (expected ?? {}) as Body;
  const a = (actual ?? {}) as Body;
  const verdict = (body: Body) => `${String(body.action ?? body.suppressed)} ${String(body.reason)}`;
  const hasVerdict = (body: Body) => typeof body.reason === "string" && ("action" in body || "suppressed" in body);
  if (hasVerdict(e) && hasVerdict(a) && verdict(e) !== verdict(a))
    return `expected ${verdict(e)}, recorded ${verdict(a)}`;
  const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
  const differing = keys.filter((key) => !same(e[key], a[key], canonical));
  if (differing.length === 0) return "the same fields, differently written";
  const named = differing
    .slice(0, shownFields)
    .map((key) => `${key} expected ${short(e[key])}, recorded ${short(a[key])}`);
  const more = differing.length - shownFields;
  return `${named.join("; ")}${more > 0 ? `; and ${more} more ${more === 1 ? "field" : "fields"}` : ""}`;
}
