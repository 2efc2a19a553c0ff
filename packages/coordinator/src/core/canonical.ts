// RFC 8785 canonical JSON, the one serialisation that signatures and hashes are computed over.
import canonicalize from "canonicalize";

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value has no JSON form");
  return text;
}
