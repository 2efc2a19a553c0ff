// Citations in a batch append: an entry may cite records already stored and entries before it in the
// same batch (which get their seqs and hashes only as the batch is chained). Shared by the SQLite and
// PostgreSQL batch appends; the store answers which cited hashes it holds.
import type { ChainExtension } from "./chain.ts";
import type { PreparedEntry } from "./entry.ts";
import { LedgerValueError } from "./json.ts";

/** Hashes cited by `entries` that are not entries of this batch: the store must hold them. */
export function citedOutsideBatch(entries: readonly PreparedEntry[], ext: ChainExtension): string[] {
  const inBatch = new Set(ext.records.map((record) => record.hash));
  const outside = new Set<string>();
  for (const entry of entries) {
    for (const cite of entry.cites) if ("hash" in cite && !inBatch.has(cite.hash)) outside.add(cite.hash);
  }
  return [...outside];
}

/**
 * Checks every citation of the batch: a seq must come before the citing entry's own seq; a hash must
 * be a stored record's or an earlier entry's of this batch. `stored` holds the outside hashes found.
 */
export function checkBatchCitations(
  entries: readonly PreparedEntry[],
  ext: ChainExtension,
  stored: ReadonlySet<string>,
  partition: string,
): void {
  const seqOfHash = new Map(ext.records.map((record) => [record.hash, record.seq]));
  entries.forEach((entry, i) => {
    const own = ext.records[i]?.seq ?? 0;
    for (const [j, cite] of entry.cites.entries()) {
      const path = `entries[${i}].body.cites[${j}]`;
      if ("seq" in cite) {
        if (cite.seq >= own) {
          throw new LedgerValueError(
            path,
            `cites record ${cite.seq}, which does not come before this one (seq ${own})`,
          );
        }
      } else {
        const inBatch = seqOfHash.get(cite.hash);
        if (inBatch !== undefined ? inBatch >= own : !stored.has(cite.hash)) {
          throw new LedgerValueError(
            path,
            `cites hash ${cite.hash}, which is no earlier record of partition ${partition}`,
          );
        }
      }
    }
  });
}

export class LedgerHeadMovedError extends Error {
  constructor(partition: string, expected: number, actual: number) {
    super(`partition ${partition} has ${actual} records, but the batch was numbered from seq ${expected}`);
    this.name = "LedgerHeadMovedError";
  }
}
