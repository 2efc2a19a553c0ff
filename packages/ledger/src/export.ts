// The export format: one self-contained JSONL file per partition that verifyExport (or
// `pithead ledger verify <file>`) checks offline.
//   line 1     {"exportedAt":…,"format":"pithead-ledger-export","origin":…,"partition":…,"records":N,"verifierKey":…,"version":1}
//   then       the record lines exactly as stored, in seq order
//   between    {"checkpoint":{"note":…,"signedAt":…,"size":S}} right after record S-1 (before any record for S = 0)
// A partition with archived records 0..N-1 is exported from N: the header says `from: N` and carries the
// archive manifest's last hash and frontier, and only the checkpoints of size N or more come along.
// Interleaving lets a verifier check each checkpoint the moment the tree reaches its size, in one pass.
import { open, rename } from "node:fs/promises";
import type { Checkpoint } from "./backend.ts";
import { canonicalJson } from "./json.ts";
import type { Ledger } from "./ledger.ts";
import { PRIVATE_FILE_MODE } from "./private-files.ts";

export const EXPORT_FORMAT = "pithead-ledger-export";

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: 1;
  partition: string;
  records: number;
  exportedAt: string;
  origin?: string;
  verifierKey?: string;
  /**
   * The first record in the file when records 0..from-1 were archived (JSONL, `pithead ledger
   * archive`); absent: 0. `archived` is the state a verifier continues from (the archive manifest's):
   * the hash of record from-1 and the Merkle frontier after it, which the checkpoints in the file vouch for.
   */
  from?: number;
  archived?: { lastHash: string; frontier: string[] };
}

export function checkpointExportLine(checkpoint: Checkpoint): string {
  return canonicalJson({ checkpoint: { note: checkpoint.note, signedAt: checkpoint.signedAt, size: checkpoint.size } });
}

/** The export of a partition as lines (without newlines), up to the size it had when the export began. */
export async function* exportLines(ledger: Ledger, partition: string): AsyncIterable<string> {
  const size = await ledger.size(partition);
  // Archived records are not here to export: the file starts at the boundary, and says so.
  const archived = await ledger.archived?.(partition);
  const from = archived?.records ?? 0;
  const checkpoints: Checkpoint[] = [];
  for await (const checkpoint of ledger.checkpoints(partition))
    if (checkpoint.size <= size && checkpoint.size >= from) checkpoints.push(checkpoint);
  const origin = ledger.originOf(partition) ?? checkpoints[0]?.origin;
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: 1,
    partition,
    records: size,
    exportedAt: new Date().toISOString(),
    ...(origin ? { origin } : {}),
    ...(ledger.verifierKey ? { verifierKey: ledger.verifierKey } : {}),
    ...(archived && from > 0 ? { from, archived: { lastHash: archived.lastHash, frontier: archived.frontier } } : {}),
  };
  yield canonicalJson(header);
  let next = 0;
  while (checkpoints[next]?.size === from) yield checkpointExportLine(checkpoints[next++]!);
  let count = from;
  if (size === from) return;
  for await (const line of ledger.lines(partition, { fromSeq: from })) {
    yield line;
    count++;
    while (checkpoints[next]?.size === count) yield checkpointExportLine(checkpoints[next++]!);
    if (count === size) return;
  }
}

/**
 * Writes the export of `partition` to `file` (atomically: a temp file renamed into place), 0600 like the
 * records it copies. `from`: its first record (above 0 when the older ones are archived).
 */
export async function exportPartition(
  ledger: Ledger,
  partition: string,
  file: string,
): Promise<{ records: number; checkpoints: number; bytes: number; from: number }> {
  const temp = `${file}.tmp-${process.pid}`;
  const handle = await open(temp, "w", PRIVATE_FILE_MODE);
  let records = 0;
  let checkpoints = 0;
  let bytes = 0;
  let from = 0;
  try {
    let pending: string[] = [];
    const flush = async () => {
      const data = pending.join("");
      pending = [];
      bytes += Buffer.byteLength(data);
      await handle.write(data);
    };
    let first = true;
    for await (const line of exportLines(ledger, partition)) {
      if (!first) {
        if (line.startsWith('{"checkpoint":')) checkpoints++;
        else records++;
      } else from = (JSON.parse(line) as ExportHeader).from ?? 0;
      first = false;
      pending.push(`${line}\n`);
      if (pending.length >= 1024) await flush();
    }
    await flush();
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  return { records, checkpoints, bytes, from };
}
