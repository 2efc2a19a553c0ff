// RFC 8785 canonical JSON (the JSON Canonicalization Scheme): what the ledger hashes and the
// coordinator signs. The same library the services use.

import canonicalize from "canonicalize";

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value has no JSON form");
  return text;
}
