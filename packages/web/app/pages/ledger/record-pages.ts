// The Ledger page's pages of records, newest first, down to the archive boundary. The ledger's
// record list ends where the partition's oldest records were moved to the archive, and says where
// (`archivedBelow`); a service from before that answers 410 RECORD_ARCHIVED to a page that reaches
// them instead. Either way the list stops there and says which records are archived, rather than
// offering "Older records" that can only fail.

import { ApiError } from "../../api/http.ts";
import type { LedgerSource, RecordPage } from "../../api/ledger-sources.ts";

export interface RecordsQuery {
  type?: string;
  /** The newest seq of the page (the previous page's `next`); absent: from the newest record. */
  from?: number;
  limit: number;
}

export interface ListedPage extends RecordPage {
  /** The query this page answers: an answer to another one is never shown under it. */
  query: RecordsQuery;
  /** On the page that reached the archive: records before `below` are archived (null: the service did not say where). */
  archived?: { below: number | null };
}

/**
 * The first record not archived, from a 410 RECORD_ARCHIVED ("records 0..N-1 are archived"), null
 * when its message does not say; undefined for any other error.
 */
export function archiveBoundary(error: unknown): number | null | undefined {
  if (!(error instanceof ApiError) || error.status !== 410 || error.code !== "RECORD_ARCHIVED") return undefined;
  const match = /records 0\.\.(\d+) (?:are|were)/.exec(error.message);
  return match ? Number(match[1]) + 1 : null;
}

export async function loadRecordPage(
  source: LedgerSource,
  query: RecordsQuery,
  signal?: AbortSignal,
): Promise<ListedPage> {
  try {
    const { records, next, archivedBelow } = await source.records(query, signal);
    const reached = next === null && archivedBelow !== undefined && archivedBelow > 0;
    return { records, next, query, ...(reached ? { archived: { below: archivedBelow } } : {}) };
  } catch (error) {
    const below = archiveBoundary(error);
    if (below === undefined) throw error;
    return { records: [], next: null, query, archived: { below } };
  }
}
