// The part of the evidence ledger (@pithead/ledger) the fleet controller uses. The Ledger
// satisfies it as is; naming the subset keeps the controller's needs visible.

import type { Json } from "../core/records.ts";

export interface StoredRecordLike {
  seq: number;
  type: string;
  at: string;
  body: Json;
  hash: string;
}

/** A record about to be appended (the controller always stamps its own time). */
export interface NewRecord {
  type: string;
  body: Json;
  at: Date;
}

export interface Recorder {
  append(partition: string, type: string, body: Json, options?: { at?: Date }): Promise<StoredRecordLike>;
  appendBatch(partition: string, entries: { type: string; body: Json; at?: Date }[]): Promise<StoredRecordLike[]>;
  get(partition: string, seq: number): Promise<StoredRecordLike | undefined>;
  read(
    partition: string,
    options?: { fromSeq?: number; toSeq?: number; type?: string; limit?: number; reverse?: boolean },
  ): AsyncIterable<StoredRecordLike>;
  size(partition: string): Promise<number>;
  /** Records 0..records-1 moved to the ledger's archive (JSONL with LEDGER_ARCHIVE_DIR); undefined: none. */
  archived?(partition: string): Promise<{ records: number } | undefined>;
  /** The archived records, read from the archive directory. */
  readArchived?(partition: string, archive: string): AsyncIterable<StoredRecordLike>;
  /** Signs a checkpoint of the partition's current tree (the ledger does; a recorder may not). */
  checkpoint?(partition: string): Promise<{ size: number; rootHash: string }>;
}

export function partitionFor(operatorId: string): string {
  return `fleet/${operatorId}`;
}
