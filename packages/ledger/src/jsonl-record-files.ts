// The files holding a JSONL partition's record lines: its sealed segments (gzip'd, sealed-segments.ts)
// then records.jsonl, the live file, which starts where the last segment ends. Records are addressed
// by the logical offsets index.bin keeps (those of all the lines concatenated): a read of records.jsonl
// subtracts `liveStart`, a read of a segment decompresses it (the last two are kept).
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import {
  type ArchiveEntry,
  archivedError,
  manifestPath,
  type RecordArchivedError,
  readManifest,
} from "./archive-manifest.ts";
import { LedgerCorruptError } from "./backend.ts";
import {
  firstSeqOf,
  listSegments,
  type Segment,
  SegmentCache,
  segmentHolding,
  segmentsBelow,
} from "./sealed-segments.ts";

export class RecordFiles {
  /** Sealed segments in use: in order, ending where records.jsonl starts. */
  segments: Segment[] = [];
  /** Seq of records.jsonl's first record. */
  liveFrom = 0;
  /** Logical offset of records.jsonl's first byte (NaN until known: a scan from scratch finds it). */
  liveStart = 0;
  /** records.jsonl, open for reading (undefined: not there yet). */
  fd: number | undefined;
  /** inode of fd's file: a reader reopens when the writer swapped records.jsonl. */
  private ino = -1;
  readonly cache = new SegmentCache();
  private readonly name: string;
  private readonly dir: string;
  readonly recordsPath: string;
  /** Logical offset where record seq+1 starts (index.bin's entry for seq; 0 for seq -1). */
  offsetAfter: (seq: number) => number = () => 0;
  /** Segments moved to an archive (sealed/archived.jsonl): records 0..archivedTo-1 are not here. */
  archived: ArchiveEntry[] = [];
  archivedTo = 0;
  /** Problems of the manifest's lines (verify reports them). */
  manifestProblems: string[] = [];
  private manifestBytes = -1;

  constructor(name: string, dir: string, recordsPath: string) {
    this.name = name;
    this.dir = dir;
    this.recordsPath = recordsPath;
  }

  /** (Re)opens records.jsonl for reading; throws ENOENT when it is not there. */
  open(): void {
    const fd = openSync(this.recordsPath, "r");
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = fd;
    this.ino = fstatSync(fd).ino;
  }

  /** The writer replaced records.jsonl since it was opened (or it is gone). */
  swapped(): boolean {
    try {
      return statSync(this.recordsPath).ino !== this.ino;
    } catch {
      return true;
    }
  }

  /**
   * Where records.jsonl starts (its first line's seq, else the last segment's end) and the segments
   * below it; a last segment it overlaps (a seal cut short before the swap) is ignored. The live
   * file's logical start comes from index.bin when it covers it (`known` entries), else from the scan.
   */
  locate(known: number): void {
    const all = listSegments(this.dir);
    const first = this.fd === undefined ? undefined : firstSeqOf(this.fd);
    this.liveFrom = first ?? Math.max(all.at(-1)?.to ?? 0, this.archivedTo);
    // A segment the manifest says is archived and is still here (a crash before its deletion) is not read.
    this.segments = segmentsBelow(all, this.liveFrom).filter((s) => s.from >= this.archivedTo);
    this.liveStart =
      this.liveFrom === 0 ? 0 : known >= this.liveFrom ? this.offsetAfter(this.liveFrom - 1) : Number.NaN;
  }

  /** After a seal: `segment` holds the records up to `liveFrom`, and records.jsonl (reopened) starts there. */
  sealed(segment: Segment, liveFrom: number, liveStart: number): void {
    this.open();
    this.segments.push(segment);
    this.liveFrom = liveFrom;
    this.liveStart = liveStart;
  }

  /** (Re)reads sealed/archived.jsonl when it changed; true when it did. */
  loadManifest(): boolean {
    let size: number;
    try {
      size = statSync(manifestPath(this.dir)).size;
    } catch {
      size = 0;
    }
    if (size === this.manifestBytes) return false;
    const manifest = readManifest(this.dir);
    this.manifestBytes = manifest.fileBytes;
    this.archived = manifest.entries;
    this.archivedTo = manifest.boundary;
    this.manifestProblems = manifest.problems;
    this.segments = this.segments.filter((s) => s.from >= this.archivedTo);
    return true;
  }

  /** After a segment was archived by this process. */
  noteArchived(entry: ArchiveEntry): void {
    this.archived.push(entry);
    this.archivedTo = entry.to;
    this.segments = this.segments.filter((s) => s.from >= this.archivedTo);
    try {
      this.manifestBytes = statSync(manifestPath(this.dir)).size;
    } catch {
      this.manifestBytes = -1;
    }
  }

  /** The error for a read of an archived record (undefined: seq is not archived). */
  archivedError(seq: number): RecordArchivedError | undefined {
    return archivedError(this.name, this.archived, seq);
  }

  segmentOf(seq: number): Segment {
    const archived = this.archivedError(seq);
    if (archived) throw archived;
    const found = segmentHolding(this.segments, seq);
    if (!found) {
      throw new LedgerCorruptError(
        this.name,
        `record ${seq} is in no sealed segment of ${this.dir} (records.jsonl starts at record ${this.liveFrom}): a segment was removed; run \`pithead ledger verify\` on the ledger`,
      );
    }
    return found;
  }

  /** A segment's records, decompressed. */
  async segmentData(segment: Segment): Promise<Buffer> {
    try {
      return await this.cache.get(segment);
    } catch (error) {
      // Archived (by this process or, for a reader, another) since the segment was listed.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        this.loadManifest();
        const archived = this.archivedError(segment.from);
        if (archived) throw archived;
      }
      throw new LedgerCorruptError(
        this.name,
        `sealed segment ${segment.path} cannot be read: ${(error as Error).message}; run \`pithead ledger verify\` on the ledger`,
      );
    }
  }

  /** Logical bytes [start, end) of records.jsonl. */
  private readLiveBytes(start: number, end: number): Buffer {
    const buf = Buffer.allocUnsafe(end - start);
    readSync(this.fd!, buf, 0, buf.length, start - this.liveStart);
    return buf;
  }

  /** A record of records.jsonl (seq >= liveFrom), without its newline. */
  readLive(seq: number): Buffer {
    return this.readLiveBytes(this.offsetAfter(seq - 1), this.offsetAfter(seq) - 1);
  }

  /** A record wherever it is stored, without its newline. */
  async readLine(seq: number): Promise<Buffer> {
    if (seq >= this.liveFrom) return this.readLive(seq);
    const segment = this.segmentOf(seq);
    const data = await this.segmentData(segment);
    const base = this.offsetAfter(segment.from - 1);
    return data.subarray(this.offsetAfter(seq - 1) - base, this.offsetAfter(seq) - base - 1);
  }

  /** Bytes of records a..b (newlines included), all in one segment or all in records.jsonl. */
  async readSpan(a: number, b: number): Promise<Buffer> {
    const start = this.offsetAfter(a - 1);
    const end = this.offsetAfter(b);
    if (a >= this.liveFrom) return this.readLiveBytes(start, end);
    const segment = this.segmentOf(a);
    const base = this.offsetAfter(segment.from - 1);
    return (await this.segmentData(segment)).subarray(start - base, end - base);
  }

  /** The last record of a read from `first` to `b` that stays in one file. */
  spanEnd(first: number, b: number): number {
    return first >= this.liveFrom ? b : Math.min(b, this.segmentOf(first).to - 1);
  }

  /** Where stored record `seq` is, for an error about it. */
  where(seq: number): string {
    const archived = this.archivedError(seq);
    if (archived) return `record ${seq} (archived on ${archived.archivedAt} to ${archived.archive})`;
    const start = this.offsetAfter(seq - 1);
    if (seq >= this.liveFrom) {
      return `record ${seq} (line ${seq - this.liveFrom + 1} of ${this.recordsPath}, at byte ${start - this.liveStart})`;
    }
    const segment = segmentHolding(this.segments, seq);
    if (!segment) return `record ${seq} (in no sealed segment of ${this.dir})`;
    return `record ${seq} (line ${seq - segment.from + 1} of ${segment.path} once decompressed, at byte ${start - this.offsetAfter(segment.from - 1)})`;
  }

  close(): void {
    this.cache.clear();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
