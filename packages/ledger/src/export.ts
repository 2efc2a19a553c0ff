// The export format: one self-contained JSONL file per partition that verifyExport (or
// `pithead ledger verify <file>`) checks offline.
//   line 1     {"exportedAt":…,"format":"pithead-ledger-export","origin":…,"partition":…,"records":N,"verifierKey":…,"version":1}
//   then       the record lines exactly as stored, in seq order
//   between    {"checkpoint":{"note":…,"signedAt":…,"size":S}} right after record S-1 (before any record for S = 0)
// Interleaving lets a verifier check each checkpoint the moment the tree reaches its size, in one pass.
import { open, rename } from "node:fs/promises";
import type { Checkpoint } from "./backend.ts";
import { canonicalJson } from "./json.ts";
import type { Ledger } from "./ledger.ts";

export const EXPORT_FORMAT = "pithead-ledger-export";

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: 1;
  partition: string;
  records: number;
  exportedAt: string;
  origin?: string;
  verifierKey?: string;
}

export function checkpointExportLine(checkpoint: Checkpoint): string {
  return canonicalJson({ checkpoint: { note: checkpoint.note, signedAt: checkpoint.signedAt, size: checkpoint.size } });
}

/** The export of a partition as lines (without newlines), up to the size it had when the export began. */
export async function* exportLines(ledger: Ledger, partition: string): AsyncIterable<string> {
  const size = await ledger.size(partition);
  const checkpoints: Checkpoint[] = [];
  for await (const checkpoint of ledger.checkpoints(partition))
    if (checkpoint.size <= size) checkpoints.push(checkpoint);
  const origin = ledger.originOf(partition) ?? checkpoints[0]?.origin;
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: 1,
    partition,
    records: size,
    exportedAt: new Date().toISOString(),
    ...(origin ? { origin } : {}),
    ...(ledger.verifierKey ? { verifierKey: ledger.verifierKey } : {}),
  };
  yield canonicalJson(header);
  let next = 0;
  while (checkpoints[next]?.size === 0) yield checkpointExportLine(checkpoints[next++]!);
  let count = 0;
  if (size === 0) return;
  for await (const line of ledger.lines(partition)) {
    yield line;
    count++;
    while (checkpoints[next]?.size === count) yield checkpointExportLine(checkpoints[next++]!);
    if (count === size) return;
  }
}

/** Writes the export of `partition` to `file` (atomically: a temp file renamed into place). */
export async function exportPartition(
  ledger: Ledger,
  partition: string,
  file: string,
): Promise<{ records: number; checkpoints: number; bytes: number }> {
  const temp = `${file}.tmp-${process.pid}`;
  const handle = await open(temp, "w");
  let records = 0;
  let checkpoints = 0;
  let bytes = 0;
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
      }
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
  return { records, checkpoints, bytes };
}
