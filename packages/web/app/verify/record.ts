// A ledger record and its hash: SHA-256 of the RFC 8785 form of {v, seq, type, at, body, prev}.

import { sha256 } from "./bytes.ts";
import { canonicalJson } from "./canonical.ts";

export interface LedgerRecord {
  v: number;
  seq: number;
  type: string;
  at: string;
  body: unknown;
  prev: string;
  hash?: string;
}

export const ZERO_HASH = "0".repeat(64);

/** The record's problem as a sentence, or undefined when its envelope is well formed. */
export function envelopeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "is not a JSON object";
  const record = value as Record<string, unknown>;
  if (record.v !== 1) return "has a version other than 1";
  if (typeof record.seq !== "number" || !Number.isSafeInteger(record.seq) || record.seq < 0) return "has no valid seq";
  if (typeof record.type !== "string" || record.type === "") return "has no type";
  if (typeof record.at !== "string") return "has no time";
  if (!("body" in record)) return "has no body";
  if (typeof record.prev !== "string" || !/^[0-9a-f]{64}$/.test(record.prev)) return "has no valid prev hash";
  return undefined;
}

export async function recordHash(record: LedgerRecord): Promise<Uint8Array> {
  const { v, seq, type, at, body, prev } = record;
  return sha256(canonicalJson({ v, seq, type, at, body, prev }));
}

/** The records a body cites: seqs and hashes (see the ledger's citations). */
export function citationsOf(body: unknown): { seqs: number[]; hashes: string[] } {
  const cites =
    typeof body === "object" && body !== null && !Array.isArray(body) ? (body as { cites?: unknown }).cites : undefined;
  const seqs: number[] = [];
  const hashes: string[] = [];
  if (Array.isArray(cites)) {
    for (const entry of cites) {
      if (typeof entry === "number") seqs.push(entry);
      else if (typeof entry === "string") hashes.push(entry);
    }
  }
  return { seqs, hashes };
}
