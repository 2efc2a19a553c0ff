// What `pithead ledger verify <file>` needs to know about an export file (or a JSONL store's
// records.jsonl) before checking it: the partition its header names, and the origin and key name of
// its checkpoints, so that --key-file is checked under the key name the checkpoints were signed with
// and a --checkpoint of another ledger is refused as input, not blamed on every stored checkpoint.
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { EXPORT_FORMAT, type ExportHeader, parseCheckpoint } from "@pithead/ledger";

export interface FileFacts {
  /** The export's header; undefined for a records.jsonl (or a file that is neither: verify refuses it). */
  header?: ExportHeader;
  /** The first checkpoint note in the file (or in the checkpoints.jsonl beside a records.jsonl). */
  firstNote?: string;
}

function noteOfLine(line: string, key: "checkpoint" | "note"): string | undefined {
  try {
    const parsed = JSON.parse(line) as { checkpoint?: { note?: unknown }; note?: unknown };
    const note = key === "checkpoint" ? parsed.checkpoint?.note : parsed.note;
    return typeof note === "string" ? note : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the header and the lines up to the first checkpoint (an export interleaves them with records). */
export async function fileFacts(file: string): Promise<FileFacts> {
  // A partition's directory: its checkpoints are the facts, as for its records.jsonl.
  if (statSync(file).isDirectory()) return fileFacts(join(file, "records.jsonl"));
  const facts: FileFacts = {};
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let first = true;
  try {
    for await (const line of lines) {
      if (first) {
        first = false;
        if (!line.startsWith("{")) break;
        try {
          const header = JSON.parse(line) as ExportHeader;
          if (header?.format === EXPORT_FORMAT) {
            facts.header = header;
            continue;
          }
        } catch {
          // not a header
        }
        if (!line.startsWith('{"at":')) break;
      }
      if (!facts.header) break;
      if (line.startsWith('{"checkpoint":')) {
        facts.firstNote = noteOfLine(line, "checkpoint");
        break;
      }
    }
  } finally {
    lines.close();
  }
  if (!facts.header && basename(file) === "records.jsonl") {
    const beside = join(dirname(file), "checkpoints.jsonl");
    if (existsSync(beside)) {
      const firstLine = readFileSync(beside, "utf8").split("\n", 1)[0] ?? "";
      facts.firstNote = noteOfLine(firstLine, "note");
    }
  }
  return facts;
}

/** Whether a partition directory holds sealed segments (its records.jsonl then starts mid-chain). */
export function hasSealedSegments(partitionDir: string): boolean {
  try {
    return readdirSync(join(partitionDir, "sealed")).some((name) => name.endsWith(".jsonl.gz"));
  } catch {
    return false;
  }
}

/** The origin and first signature's key name of a checkpoint note, if it parses. */
export function noteSigner(note: string | undefined): { origin: string; keyName?: string } | undefined {
  if (note === undefined) return undefined;
  try {
    const parsed = parseCheckpoint(note);
    const keyName = parsed.signatures[0]?.keyName;
    return keyName ? { origin: parsed.origin, keyName } : { origin: parsed.origin };
  } catch {
    return undefined;
  }
}

/** The key name the file's checkpoints are signed under: the first checkpoint's, else the header's key's. */
export function keyNameOf(facts: FileFacts): string | undefined {
  return noteSigner(facts.firstNote)?.keyName ?? facts.header?.verifierKey?.split("+")[0];
}

/** The origin the file's checkpoints use: the header's, else the first checkpoint's. */
export function originOf(facts: FileFacts): string | undefined {
  return facts.header?.origin ?? noteSigner(facts.firstNote)?.origin;
}

/**
 * Whether a file is a ledger file (an export, or a JSONL store's records file) by its first line, for a
 * command that needs a store: one of those is the wrong kind of ledger (exit 2), anything else no
 * ledger at all (exit 3, as `verify` says of it).
 */
export function isLedgerFile(file: string): boolean {
  const buf = Buffer.alloc(64 * 1024);
  const fd = openSync(file, "r");
  let bytes: number;
  try {
    bytes = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const nl = buf.subarray(0, bytes).indexOf(0x0a);
  const first = buf.toString("utf8", 0, nl >= 0 ? nl : bytes);
  if (first.startsWith('{"at":')) return true;
  try {
    return (JSON.parse(first) as ExportHeader | null)?.format === EXPORT_FORMAT;
  } catch {
    return false;
  }
}
