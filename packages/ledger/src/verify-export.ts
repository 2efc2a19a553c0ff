// Offline verification of a file: an export (see export.ts), a JSONL store's own records.jsonl
// (whose checkpoints.jsonl beside it is used when present), or a JSONL partition's directory (with
// its sealed segments: a records.jsonl of such a partition starts mid-chain, and is checked with
// them). Needs nothing but the file and, to trust the signatures, the log's verifier key.

import { existsSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ArchiveDirs } from "./archive-locate.ts";
import { manifestPath } from "./archive-manifest.ts";
import { ChainVerifier, type VerifyReport } from "./chain-verifier.ts";
import { EXPORT_FORMAT, type ExportHeader } from "./export.ts";
import { resolveCitationsByScan, verifyJsonlFiles, verifyJsonlPartition } from "./jsonl-verify.ts";
import { Frontier } from "./merkle.ts";
import { scanLines } from "./scan-lines.ts";
import { listSegments } from "./sealed-segments.ts";
import { LedgerFormatError } from "./signed-note.ts";

export interface VerifyExportOptions {
  /** The key you trust. Without it, the key named in the export's own header is used (and a warning says so). */
  verifierKey?: string;
  /**
   * Records that no checkpoint signed with the key covers are named in a warning; with this, none
   * covered at all is a problem (nothing vouches for the file). Default: true when `verifierKey` is given.
   */
  requireCheckpoint?: boolean;
  /** Checkpoint notes kept elsewhere (e.g. published earlier); the file must be consistent with them. */
  trustedCheckpoints?: string[];
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Inspect lines on worker threads: by default only for files large enough to repay starting them. */
  parallel?: boolean;
  /**
   * A JSONL partition's directory with archived records (sealed/archived.jsonl): the archive they were
   * moved to (or several, when the archive directory changed between runs), so that they are checked
   * too. Without it they are reported as archived and not checked.
   */
  archive?: ArchiveDirs;
}

const RECORD_PREFIX = Buffer.from('{"at":');

/** What a file to verify starts with: an export's header, a record (a JSONL store's own file), or neither. */
type FileStart = { kind: "export"; header: ExportHeader } | { kind: "records" } | { kind: "other"; why: string };

async function readStart(file: string): Promise<FileStart> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
    const first = buf.toString("utf8", 0, nl >= 0 ? nl : bytesRead);
    if (first.startsWith('{"at":')) return { kind: "records" };
    try {
      const header = JSON.parse(first) as ExportHeader;
      if (header?.format === EXPORT_FORMAT) return { kind: "export", header };
    } catch {
      // not a header
    }
    if (bytesRead === 0) return { kind: "other", why: "it is empty" };
    if (/^\s*</.test(first)) return { kind: "other", why: "it looks like HTML" };
    return { kind: "other", why: "its first line is neither an export header nor a ledger record" };
  } finally {
    await handle.close();
  }
}

/** A JSONL partition's directory (`<name>.ledger`): its sealed segments, records.jsonl and checkpoints.jsonl. */
async function verifyPartitionDir(
  dir: string,
  options: VerifyExportOptions,
  notes: string[] = [],
): Promise<VerifyReport> {
  const verifier = new ChainVerifier({
    partition: basename(dir).replace(/\.ledger$/, ""),
    ...(options.verifierKey ? { verifierKey: options.verifierKey } : {}),
    requireCoverage: options.requireCheckpoint ?? options.verifierKey !== undefined,
  });
  verifier.trust(options.trustedCheckpoints ?? []);
  for (const note of notes) verifier.warn(note);
  await verifyJsonlPartition(dir, verifier, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
    ...(options.archive !== undefined ? { archive: options.archive } : {}),
  });
  return verifier.finish();
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * An export of a partition with archived records starts at its header's `from`: the chain and tree
 * continue from the header's last hash and frontier (the archive manifest's), which the checkpoints
 * in the file vouch for (a rewritten one fails at the first of them, or at record `from`'s prev).
 */
function continueFromHeader(header: ExportHeader, verifier: ChainVerifier): void {
  const from = header.from;
  const state = header.archived;
  const nodes = Array.isArray(state?.frontier) ? state.frontier : undefined;
  if (
    !Number.isSafeInteger(from) ||
    from! < 0 ||
    typeof state?.lastHash !== "string" ||
    !HEX64.test(state.lastHash) ||
    nodes === undefined ||
    !nodes.every((n) => typeof n === "string" && HEX64.test(n)) ||
    nodes.length !== Frontier.refs(from!).length
  ) {
    verifier.flag(
      0,
      `the header's from (${JSON.stringify(from)}) or archived state (last hash and frontier) is malformed`,
    );
    return;
  }
  if (from === 0) return;
  const skipped = verifier.continueFrom(
    from!,
    Buffer.from(state.lastHash, "hex"),
    new Frontier(
      from!,
      nodes.map((n) => Buffer.from(n, "hex")),
    ),
    true,
    "the export's header",
  );
  verifier.noteArchived(from!, false);
  verifier.warn(
    `records 0..${from! - 1} are archived and not in this export, so they were not checked: the file starts at record ${from} and ` +
      "its chain and tree continue from the archive state in its header, which the checkpoints after it vouch for; " +
      "verify the partition with its archive (`pithead ledger verify <partition dir> --archive DIR`) to check them",
  );
  if (skipped > 0) {
    verifier.warn(
      `${skipped} trusted checkpoint${skipped === 1 ? "" : "s"} below record ${from} cover only archived records: not checked`,
    );
  }
}

function startsWith(buf: Buffer, start: number, prefix: Buffer): boolean {
  return buf.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0;
}

/**
 * Checks an export file, or a JSONL store's records.jsonl. Throws a LedgerFormatError for a file that
 * is neither (empty, a web page, any other file): that is the wrong input, not a damaged ledger. A
 * records.jsonl is always taken as one (empty: a partition without records; damaged: reported).
 */
export async function verifyExport(file: string, options: VerifyExportOptions = {}): Promise<VerifyReport> {
  if (statSync(file).isDirectory()) return await verifyPartitionDir(file, options);
  if (
    basename(file) === "records.jsonl" &&
    (listSegments(dirname(file)).length > 0 || existsSync(manifestPath(dirname(file))))
  ) {
    // It starts mid-chain: its partition's older records are sealed beside it, and are checked with it.
    return await verifyPartitionDir(dirname(file), options, [
      `${file} holds only the newest records of its partition; the partition directory ${dirname(file)} (with its sealed segments) was verified`,
    ]);
  }
  const start = await readStart(file);
  if (start.kind === "other" && basename(file) !== "records.jsonl") {
    throw new LedgerFormatError(`${file} is not a Pithead ledger export (${start.why})`);
  }
  const header = start.kind === "export" ? start.header : undefined;
  const verifierKey = options.verifierKey ?? header?.verifierKey;
  const verifier = new ChainVerifier({
    partition: header?.partition ?? basename(dirname(file)).replace(/\.ledger$/, ""),
    ...(verifierKey ? { verifierKey } : {}),
    ...(header?.origin ? { origin: header.origin } : {}),
    requireCoverage: options.requireCheckpoint ?? options.verifierKey !== undefined,
  });
  if (!options.verifierKey && header?.verifierKey) {
    verifier.warn(
      "signatures were checked with the key named inside the file itself; pass the log's verifier key to trust them",
    );
  }
  // The header's partition is the report's name for the records: it must be the one the checkpoints
  // sign (their origin is `<prefix>/<partition>`), or a relabelled export would pass as another partition.
  if (header?.origin !== undefined && !header.origin.endsWith(`/${header.partition}`)) {
    verifier.flag(
      0,
      `the header names partition ${header.partition}, but its origin ${header.origin} is not that partition's`,
    );
  }
  verifier.trust(options.trustedCheckpoints ?? []);
  if (header?.from !== undefined) continueFromHeader(header, verifier);
  const progress = {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
  };
  if (!header) {
    // A JSONL store's records file: its checkpoints live beside it.
    await verifyJsonlFiles(file, join(dirname(file), "checkpoints.jsonl"), verifier, progress);
    return verifier.finish();
  }
  let lineNo = 0;
  const result = await scanLines(
    file,
    (lines) =>
      verifier.accept(lines, (text) => {
        lineNo++;
        if (lineNo === 1 && text.startsWith("{") && text.includes(`"format":"${EXPORT_FORMAT}"`)) return;
        let note: unknown;
        try {
          note = (JSON.parse(text) as { checkpoint?: { note?: unknown } }).checkpoint?.note;
        } catch {
          note = undefined;
        }
        if (typeof note === "string") verifier.checkpoint(note, "stored");
        else
          verifier.flag(
            verifier.count,
            `a line after record ${verifier.count - 1} is neither a record nor a checkpoint`,
          );
      }),
    progress,
  );
  if (result.tornBytes > 0)
    verifier.flag(verifier.count, `the file ends with a torn line of ${result.tornBytes} bytes`);
  if (verifier.nextSeq < header.records) {
    verifier.flag(
      verifier.nextSeq,
      `records ${verifier.nextSeq}..${header.records - 1} are missing: the header announces ${header.records} (truncated)`,
    );
  } else if (verifier.count > header.records) {
    verifier.flag(header.records, `the file has ${verifier.count} records but its header announces ${header.records}`);
  }
  await resolveCitationsByScan(file, verifier, (buf, start) => startsWith(buf, start, RECORD_PREFIX));
  return verifier.finish();
}
