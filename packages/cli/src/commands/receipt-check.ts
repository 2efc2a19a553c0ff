// What `pithead receipt verify` checks in a file: a signed receipt, or a job result (GET
// /v1/jobs/{id}/result) with every receipt in it. A receipt's signature covers only the receipt, so
// the result's own fields are checked against the receipts: an edited output, output_sha or job id
// beside valid receipts is as INVALID as an edited receipt. Pure: the signature check is passed in,
// with the id of the key it checks against, which a refusal names (not the key id a receipt claims).

import { createHash } from "node:crypto";
import type { SignedReceipt } from "@pithead/coordinator";

export interface ReceiptProblem {
  /** Where in the file, e.g. "receipts[1].receipt" or "output_sha". */
  field: string;
  message: string;
}

export interface ReceiptCheck {
  valid: boolean;
  /** Every distinct receipt of the file, each with its own verdict. */
  receipts: { field: string; signed: SignedReceipt; valid: boolean }[];
  problems: ReceiptProblem[];
}

/**
 * The file holds no receipt to check. `damaged`: it is a job result whose receipts are missing or
 * malformed (a completed job's result always carries them, so it was edited or broken); otherwise it
 * is neither a receipt nor a job result.
 */
export class NotAReceiptError extends Error {
  readonly damaged: boolean;
  constructor(message: string, damaged = false) {
    super(message);
    this.name = "NotAReceiptError";
    this.damaged = damaged;
  }
}

function isSigned(value: unknown): value is SignedReceipt {
  const signed = value as Partial<SignedReceipt> | null;
  return (
    typeof signed === "object" &&
    signed !== null &&
    typeof signed.receipt === "object" &&
    signed.receipt !== null &&
    typeof signed.signature === "string" &&
    typeof signed.key_id === "string"
  );
}

interface ResultFields {
  job_id?: unknown;
  output?: unknown;
  output_encoding?: unknown;
  output_sha?: unknown;
  receipt?: unknown;
  receipts?: unknown;
}

const isResult = (value: unknown): value is ResultFields =>
  typeof value === "object" && value !== null && ("receipts" in value || "output_sha" in value);

/** The receipts a file holds, each named by where it is; throws NotAReceiptError when it holds none. */
function receiptsOf(document: unknown): { field: string; signed: SignedReceipt }[] {
  if (isSigned(document)) return [{ field: "receipt", signed: document }];
  if (!isResult(document))
    throw new NotAReceiptError("expected {receipt, signature, key_id, algorithm} or a job result");
  const found: { field: string; signed: SignedReceipt }[] = [];
  if (Array.isArray(document.receipts)) {
    document.receipts.forEach((entry, i) => {
      if (!isSigned(entry)) throw new NotAReceiptError(`receipts[${i}] is not a signed receipt`, true);
      found.push({ field: `receipts[${i}]`, signed: entry });
    });
  }
  if (document.receipt !== undefined && document.receipt !== null) {
    if (!isSigned(document.receipt)) throw new NotAReceiptError("receipt is not a signed receipt", true);
    found.push({ field: "receipt", signed: document.receipt });
  }
  if (found.length === 0) throw new NotAReceiptError("the job result carries no receipt", true);
  return found;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The output's bytes as the result carries them, or undefined when it carries none. */
function outputBytes(result: ResultFields): Buffer | undefined {
  if (typeof result.output !== "string") return undefined;
  return Buffer.from(result.output, result.output_encoding === "base64" ? "base64" : "utf8");
}

/** A signature check against one key: its id (hex SHA-256 of the public key) and the check itself. */
export interface ReceiptVerifier {
  keyId: string;
  verify(signed: SignedReceipt): boolean;
}

/** Why a receipt does not verify against `keyId`: the key it says signed it, or an edit after signing. */
function notVerified(field: string, signed: SignedReceipt, keyId: string): string {
  const head = `${field} (receipt ${signed.receipt.receipt_id}) does not verify against key ${keyId}`;
  if (signed.key_id !== keyId) {
    return `${head}: the receipt says it was signed by key ${signed.key_id}, another key (another coordinator's, or one this coordinator no longer signs with)`;
  }
  // A signature that cannot be one was damaged or made up, not the receipt edited: say which.
  if (signed.algorithm !== "Ed25519")
    return `${head}: its algorithm is ${JSON.stringify(signed.algorithm)}, not "Ed25519"`;
  if (!isEd25519Signature(signed.signature))
    return `${head}: its signature is not an Ed25519 signature (64 bytes in base64), so it was damaged or never made by a coordinator`;
  return `${head}, the key it says signed it: it was altered after it was signed`;
}

function isEd25519Signature(value: unknown): boolean {
  return (
    typeof value === "string" && /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, "base64").length === 64
  );
}

/** Checks every receipt in `document` with `verifier`, and a job result's fields against them. */
export function checkReceipts(document: unknown, verifier: ReceiptVerifier): ReceiptCheck {
  const all = receiptsOf(document);
  const problems: ReceiptProblem[] = [];
  // `receipt` repeats one of `receipts`: checked once, and it must be one of them.
  const listed = all.filter((entry) => entry.field !== "receipt");
  const single = all.find((entry) => entry.field === "receipt");
  const distinct = single && listed.some((entry) => same(entry.signed, single.signed)) ? listed : all;
  if (single && listed.length > 0 && distinct === all) {
    problems.push({ field: "receipt", message: "receipt is not one of the result's receipts" });
  }
  const receipts = distinct.map((entry) => ({ ...entry, valid: verifier.verify(entry.signed) }));
  for (const entry of receipts) {
    if (!entry.valid)
      problems.push({ field: entry.field, message: notVerified(entry.field, entry.signed, verifier.keyId) });
  }
  if (isResult(document) && !isSigned(document)) {
    // One problem per field, naming the first receipt it disagrees with.
    for (const field of ["job_id", "output_sha"] as const) {
      const own = document[field];
      const other = receipts.find((entry) => own !== undefined && entry.signed.receipt[field] !== own);
      if (other) {
        problems.push({
          field,
          message: `${field} ${String(own)} is not the ${field} ${other.field} was signed for (${other.signed.receipt[field]})`,
        });
      }
    }
    const bytes = outputBytes(document);
    const signedSha = receipts[0]?.signed.receipt.output_sha;
    if (bytes && signedSha !== undefined) {
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== signedSha) {
        problems.push({
          field: "output",
          message: `output hashes to ${actual}, not to the output_sha the receipts were signed for (${signedSha})`,
        });
      }
    }
  }
  return { valid: problems.length === 0, receipts, problems };
}
