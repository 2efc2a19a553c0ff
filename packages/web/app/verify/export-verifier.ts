// Verifies a whole ledger partition in the browser from its export (GET …/ledger/export), one line
// at a time: every record's hash recomputed, the chain of prev hashes, contiguous seqs, citations
// pointing backwards, the Merkle root rebuilt and compared with every signed checkpoint, and every
// checkpoint's signature. It names the first bad record, as `pithead ledger verify` does, and, as it
// does, warns about records no signed checkpoint covers.

import { hexOf } from "./bytes.ts";
import { coverageWarning } from "./coverage.ts";
import { Frontier, leafHash } from "./merkle.ts";
import { citationsOf, envelopeProblem, type LedgerRecord, recordHash, ZERO_HASH } from "./record.ts";
import { noteSignedBy, parseCheckpoint, parseVerifierKey, type VerifierKey } from "./signed-note.ts";

export interface ExportHeader {
  format: string;
  version: number;
  partition: string;
  records: number;
  origin?: string;
  verifierKey?: string;
}

export interface VerifyOutcome {
  ok: boolean;
  partition: string | null;
  records: number;
  checkpoints: number;
  /** Hex root of the whole partition as rebuilt here. */
  root: string | null;
  verifierKey: string | null;
  firstBad: { seq: number | null; reason: string } | null;
  /** Records 0..covered-1 are vouched for by a signed checkpoint whose root matched; the rest by none. */
  covered: number;
  /** What holds but an operator should know (worded as `pithead ledger verify` words it). */
  warnings: string[];
}

export class ExportVerifier {
  header: ExportHeader | null = null;
  private key: VerifierKey | null = null;
  private readonly frontier = new Frontier();
  private readonly seen = new Set<string>();
  private prev = ZERO_HASH;
  private checkpoints = 0;
  private covered = 0;
  private failure: { seq: number | null; reason: string } | null = null;
  /** A broken link at this seq, blamed once the next record shows which side was altered. */
  private brokenAt: number | undefined;

  get records(): number {
    return this.frontier.size;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  private fail(seq: number | null, reason: string): void {
    this.failure ??= { seq, reason };
  }

  /** Feeds one line of the export (without its newline). Stops checking after the first problem. */
  async line(text: string): Promise<void> {
    if (this.failure || text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.fail(this.header ? this.records : null, `line ${this.records + 1} is not JSON`);
      return;
    }
    if (!this.header) return this.readHeader(value);
    if (typeof value === "object" && value !== null && "checkpoint" in value)
      return this.readCheckpoint((value as { checkpoint: unknown }).checkpoint);
    return this.readRecord(value);
  }

  private async readHeader(value: unknown): Promise<void> {
    const header = value as Partial<ExportHeader>;
    if (header?.format !== "pithead-ledger-export" || header.version !== 1 || typeof header.records !== "number") {
      this.fail(null, "the export does not start with a pithead-ledger-export header");
      return;
    }
    this.header = header as ExportHeader;
    if (header.verifierKey) {
      try {
        this.key = await parseVerifierKey(header.verifierKey);
      } catch (error) {
        this.fail(null, `the ledger's verifier key is malformed: ${(error as Error).message}`);
      }
    }
  }

  private async readRecord(value: unknown): Promise<void> {
    const seq = this.records;
    const problem = envelopeProblem(value);
    if (problem) return this.fail(seq, `record ${seq} ${problem}`);
    const record = value as LedgerRecord;
    if (record.seq !== seq)
      return this.fail(seq, `expected record ${seq}, found record ${record.seq} (a record is missing or out of order)`);
    // Editing record k breaks only the link k→k+1; editing k's prev breaks k-1→k and k→k+1. So a
    // lone break at k blames k-1, and breaks at k and k+1 blame k (as the ledger's own verify does).
    const broken = record.prev !== this.prev;
    if (this.brokenAt !== undefined) {
      const held = this.brokenAt;
      this.brokenAt = undefined;
      if (broken)
        return this.fail(
          held,
          `record ${held} was altered: its prev does not match record ${held - 1} and record ${held + 1}'s prev does not match it`,
        );
      return this.blameBefore(held);
    }
    if (broken && seq === 0) return this.fail(0, "record 0 must have 64 zeros as prev");
    if (broken) this.brokenAt = seq;
    for (const cited of citationsOf(record.body).seqs) {
      if (!(Number.isSafeInteger(cited) && cited >= 0 && cited < seq))
        return this.fail(seq, `record ${seq} cites record ${cited}, which is not earlier`);
    }
    for (const cited of citationsOf(record.body).hashes) {
      if (!this.seen.has(cited))
        return this.fail(seq, `record ${seq} cites a record hash that does not appear before it`);
    }
    const hash = await recordHash(record);
    this.prev = hexOf(hash);
    this.seen.add(this.prev);
    await this.frontier.append(await leafHash(hash));
  }

  private blameBefore(held: number): void {
    this.fail(held - 1, `record ${held - 1} was altered: its hash does not match the prev of record ${held}`);
  }

  private async readCheckpoint(value: unknown): Promise<void> {
    if (this.brokenAt !== undefined) return this.blameBefore(this.brokenAt);
    const checkpoint = value as { note?: unknown; size?: unknown };
    if (typeof checkpoint?.note !== "string" || typeof checkpoint.size !== "number")
      return this.fail(this.records, "a checkpoint line has no note or size");
    let parsed: ReturnType<typeof parseCheckpoint>;
    try {
      parsed = parseCheckpoint(checkpoint.note);
    } catch (error) {
      return this.fail(this.records, `checkpoint at size ${checkpoint.size}: ${(error as Error).message}`);
    }
    if (parsed.size !== this.records || checkpoint.size !== this.records) {
      return this.fail(this.records, `a checkpoint for size ${parsed.size} appears after ${this.records} records`);
    }
    if (this.header?.origin && parsed.origin !== this.header.origin)
      return this.fail(
        this.records,
        `checkpoint at size ${parsed.size} is for log ${parsed.origin}, not ${this.header.origin}`,
      );
    const root = hexOf(await this.frontier.root());
    if (root !== parsed.rootHex) {
      return this.fail(
        this.records > 0 ? this.records - 1 : null,
        `the records up to ${parsed.size} do not hash to the root signed at that size (a record was changed, removed or reordered)`,
      );
    }
    if (!this.key)
      return this.fail(this.records, "the ledger publishes no verifier key: its checkpoints cannot be checked");
    if (!(await noteSignedBy(parsed, this.key)))
      return this.fail(this.records, `the checkpoint at size ${parsed.size} is not signed by ${this.key.name}`);
    this.checkpoints++;
    this.covered = parsed.size;
  }

  async finish(): Promise<VerifyOutcome> {
    if (this.brokenAt !== undefined) this.blameBefore(this.brokenAt);
    if (!this.failure) {
      if (!this.header) this.fail(null, "the export is empty");
      else if (this.records !== this.header.records)
        this.fail(
          this.records,
          `the export promised ${this.header.records} records and holds ${this.records} (it was cut short)`,
        );
    }
    const uncovered =
      this.failure === null
        ? coverageWarning(this.records, this.covered, this.checkpoints, this.key?.name ?? null)
        : undefined;
    return {
      ok: this.failure === null,
      partition: this.header?.partition ?? null,
      records: this.records,
      checkpoints: this.checkpoints,
      root: this.header ? hexOf(await this.frontier.root()) : null,
      verifierKey: this.header?.verifierKey ?? null,
      firstBad: this.failure,
      covered: this.covered,
      warnings: uncovered ? [uncovered] : [],
    };
  }
}

/** Splits a byte stream into lines as they arrive. */
export async function* linesOf(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncIterable<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new DOMException("Aborted", "AbortError");
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        yield buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
    }
    buffer += decoder.decode();
    if (buffer !== "") yield buffer;
  } finally {
    reader.releaseLock();
  }
}

/** Verifies an export stream; `onProgress(done, total)` after each record. */
export async function verifyExportStream(
  stream: ReadableStream<Uint8Array>,
  options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<VerifyOutcome> {
  const verifier = new ExportVerifier();
  for await (const line of linesOf(stream, options.signal)) {
    await verifier.line(line);
    options.onProgress?.(verifier.records, verifier.header?.records ?? 0);
    if (verifier.failed) break;
  }
  return verifier.finish();
}
