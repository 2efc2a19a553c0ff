// Records cite earlier records through `body.cites`: an array whose entries are a record's seq
// (integer) or its hash (64 lowercase hex digits). A citation must point backwards in the same
// partition; append refuses one that does not, and verify re-checks every one.
import { isHex64 } from "./hash.ts";
import { type Json, LedgerValueError } from "./json.ts";

export type Citation = { seq: number } | { hash: string };

export const MAX_CITATIONS = 1000;

/** The citations of a body, or a LedgerValueError naming the bad entry (`body.cites[2]`). */
export function citationsOf(body: Json, path = "body"): Citation[] {
  if (body === null || typeof body !== "object" || Array.isArray(body) || !("cites" in body)) return [];
  const cites = body.cites;
  if (!Array.isArray(cites))
    throw new LedgerValueError(`${path}.cites`, "must be an array of seq numbers or record hashes");
  if (cites.length > MAX_CITATIONS) throw new LedgerValueError(`${path}.cites`, `more than ${MAX_CITATIONS} citations`);
  return cites.map((entry, i) => {
    if (typeof entry === "number" && Number.isSafeInteger(entry) && entry >= 0) return { seq: entry };
    if (isHex64(entry)) return { hash: entry };
    throw new LedgerValueError(
      `${path}.cites[${i}]`,
      "must be a record seq (integer >= 0) or a record hash (64 lowercase hex digits)",
    );
  });
}
