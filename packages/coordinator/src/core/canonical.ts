// RFC 8785 canonical JSON, the one serialisation that signatures and hashes are computed over: the
// ledger's (a checking walk plus the native JSON.stringify, twice as fast as the `canonicalize`
// package on a receipt). The ledger refuses two things RFC 8785 does serialise, -0 (as 0) and
// properties whose value is undefined (left out); JSON.parse can hand us -0 in params or metrics,
// so those rare values still get `canonicalize`, and every input hashes to the bytes it always did.
import { canonicalJson as ledgerCanonicalJson } from "@pithead/ledger";
import canonicalize from "canonicalize";

export function canonicalJson(value: unknown): string {
  try {
    return ledgerCanonicalJson(value);
  } catch {
    const text = canonicalize(value);
    if (text === undefined) throw new Error("value has no JSON form");
    return text;
  }
}
