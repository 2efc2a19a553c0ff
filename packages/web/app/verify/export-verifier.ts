// Verifies a whole ledger partition in the browser from its export (GET …/ledger/export), one line
// at a time: every record's hash recomputed, the chain of prev hashes, contiguous seqs, citations
// pointing backwards, the Merkle root rebuilt and compared with every signed checkpoint, and every
// checkpoint's signature. It names the first bad record, as `pithead ledger verify` does, and, as it
// does, warns about records no signed checkpoint covers. An export of a partition whose oldest records
// were archived starts at its header's `from`, and is checked from there as the library does.

import { type Bytes, bytesFromHex, hexOf } from "./bytes.ts";
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
  /** The first record in the export when records 0..from-1 were archived; absent: 0. */
  from?: number;
  /** The archive state the chain and tree continue from: the hash of record from-1 and the frontier after it. */
  archived?: { lastHash: string; frontier: string[] };
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
  /** Records 0..archived-1 are archived, not in the export and not checked here (0: none). */
  archived: number;
  /** What holds but an operator should know (worded as `pithead ledger verify` words it). */
  warnings: string[];
}

export class ExportVerifier {
  header: ExportHeader | null = null;
  private key: VerifierKey | null = null;
  private frontier = new Frontier();
  private readonly seen = new Set<string>();
  /** Records below this were archived and not read: what they are cited by is settled in finish. */
  private from = 0;
  /** Hashes cited that no record read so far has: archived ones, or (if one turns up later) forward citations. */
  private readonly unseen = new Map<string, number>();
  private readonly notes: string[] = [];
  private prev = ZERO_HASH;
  private checkpoints = 0;
  private covered = 0;
  private failure: { seq: number | null; reason: string } | null = null;
  /** A broken link at this seq, blamed once the next record shows which side was altered. */
  private brokenAt: number | undefined;

  get records(): number {
    return this.frontier.size;
  }

  /** Records read from the export (the archived ones are not). */
  get checked(): number {
    return this.records - this.from;
  }

  /** Records the export holds (its header's count less the archived ones). */
  get toCheck(): number {
    return Math.max((this.header?.records ?? 0) - this.from, 0);
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
    if (header.from !== undefined) this.continueFromArchive(header.from, header.archived);
  }

  /**
   * Continues the chain and tree at record `from` from the archive state in the header, which the
   * checkpoints after it vouch for (a rewritten state fails at the first of them, or at record
   * `from`'s prev). Worded as the ledger library's verifyExport words it.
   */
  private continueFromArchive(from: number, state: ExportHeader["archived"]): void {
    const lastHash = bytesFromHex(state?.lastHash, 32);
    const nodes = Array.isArray(state?.frontier) ? state.frontier.map((node) => bytesFromHex(node, 32)) : undefined;
    const frontier =
      nodes?.every((node) => node !== undefined) && Number.isSafeInteger(from)
        ? Frontier.resume(from, nodes as Bytes[])
        : undefined;
    if (!lastHash || !frontier) {
      this.fail(
        0,
        `the header's from (${JSON.stringify(from)}) or archived state (last hash and frontier) is malformed`,
      );
      return;
    }
    if (from === 0) return;
    this.from = from;
    this.frontier = frontier;
    this.prev = hexOf(lastHash);
    this.notes.push(
      `records 0..${from - 1} are archived and not in this export, so they were not checked: the file starts at record ${from} and ` +
        "its chain and tree continue from the archive state in its header, which the checkpoints after it vouch for; " +
        "verify the partition with its archive (`pithead ledger verify <partition dir> --archive DIR`) to check them",
    );
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
    if (broken && seq === this.from && seq > 0)
      return this.fail(
        seq - 1,
        `the prev of record ${seq} does not match the last hash of the archived records up to ${seq - 1} in the export's header: the header (or record ${seq}) was altered`,
      );
    if (broken && seq === 0) return this.fail(0, "record 0 must have 64 zeros as prev");
    if (broken) this.brokenAt = seq;
    for (const cited of citationsOf(record.body).seqs) {
      if (!(Number.isSafeInteger(cited) && cited >= 0 && cited < seq))
        return this.fail(seq, `record ${seq} cites record ${cited}, which is not earlier`);
    }
    for (const cited of citationsOf(record.body).hashes) {
      if (this.seen.has(cited)) continue;
      if (this.from === 0) return this.fail(seq, `record ${seq} cites a record hash that does not appear before it`);
      // Perhaps an archived record's: the hash is not here to compare with.
      if (!this.unseen.has(cited)) this.unseen.set(cited, seq);
    }
    const hash = await recordHash(record);
    this.prev = hexOf(hash);
    const citing = this.unseen.get(this.prev);
    if (citing !== undefined) return this.fail(citing, `record ${citing} cites record ${seq}, which is not earlier`);
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
    const warnings: string[] = [];
    if (this.failure === null) {
      warnings.push(...this.notes);
      for (const [hash, citing] of this.unseen)
        warnings.push(
          `record ${citing} cites hash ${hash.slice(0, 16)}…, which is none of the records read here: it may be one of the archived records 0..${this.from - 1}`,
        );
      const uncovered = coverageWarning(this.records, this.covered, this.checkpoints, this.key?.name ?? null);
      if (uncovered) warnings.push(uncovered);
    }
    return {
      ok: this.failure === null,
      partition: this.header?.partition ?? null,
      records: this.records,
      checkpoints: this.checkpoints,
      root: this.header ? hexOf(await this.frontier.root()) : null,
      verifierKey: this.header?.verifierKey ?? null,
      firstBad: this.failure,
      covered: this.covered,
      archived: this.from,
      warnings,
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

/** Verifies an export stream; `onProgress(done, total)` after each record (of those the export holds). */
export async function verifyExportStream(
  stream: ReadableStream<Uint8Array>,
  options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<VerifyOutcome> {
  const verifier = new ExportVerifier();
  for await (const line of linesOf(stream, options.signal)) {
    await verifier.line(line);
    options.onProgress?.(verifier.checked, verifier.toCheck);
    if (verifier.failed) break;
  }
  return verifier.finish();
}
