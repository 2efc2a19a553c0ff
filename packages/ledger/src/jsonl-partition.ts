// One partition of the JSONL store: a directory `<root>/<a>/<b>.ledger/` holding
//   records.jsonl      canonical record lines, the source of truth (appended, fdatasync'd per commit)
//   checkpoints.jsonl  one signed checkpoint per line
//   writer.lock        pid of the one process allowed to append
//   index.bin          end offset of each record line (float64 LE), a cache
//   tree.bin           every Merkle tree node in post-order (32 bytes each), a cache
//   sealed/            older records, gzip'd in segments (sealed-segments.ts; sealing: jsonl-seal.ts); records.jsonl
//                      then starts where the last segment ends, and index.bin's offsets are logical
//                      (those of the segments and records.jsonl concatenated; reads: jsonl-record-files.ts)
// The caches are rebuilt on open from the latest checkpoint onwards (whose root vouches for the
// cached frontier, and whose last record must be in records.jsonl where index.bin says), so a crash
// can cost at most a re-hash of the records after that checkpoint. What the scan of records.jsonl
// finds is judged by jsonl-open-verdict.ts: a torn tail is moved aside, damage refuses writing.
// Every file here is made 0600 and every directory 0700 (private-files.ts); a writer's open tightens
// files an older version left readable by others.
import { isUtf8 } from "node:buffer";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { archiveDirChange } from "./archive-locate.ts";
import { entryFrontier, readManifest } from "./archive-manifest.ts";
import { type Checkpoint, LedgerCorruptError, type LedgerRecovery, type StoredLine } from "./backend.ts";
import { type CanonicalScan, canonicalProblem } from "./canonical-check.ts";
import { type ChainHead, emptyHead } from "./chain.ts";
import type { PreparedEntry } from "./entry.ts";
import { FixedFile } from "./fixed-file.ts";
import { sha256, ZERO_HASH_HEX } from "./hash.ts";
import { canonicalJson } from "./json.ts";
import { type ArchiveOptions, type ArchiveReport, archiveSegments, repairArchive } from "./jsonl-archive.ts";
import { encodeJsonlBatch } from "./jsonl-batch.ts";
import { openVerdict, type ScanFindings } from "./jsonl-open-verdict.ts";
import { RecordFiles } from "./jsonl-record-files.ts";
import { cleanUpAfterCrash, fsyncDir, swapLiveTail, writeSegment } from "./jsonl-seal.ts";
import { fdSource, forEachLineOf } from "./line-reader.ts";
import { Frontier, leafHash, type NodeRef, popcount } from "./merkle.ts";
import { acquirePidLock, releasePidLock } from "./pid-lock.ts";
import { filesIn, makePrivateDir, PRIVATE_FILE_MODE, tightenFiles } from "./private-files.ts";
import { MAX_RECORD_BYTES, type StoredRecord } from "./record.ts";
import { type LineLayout, recordLineLayout } from "./record-line.ts";
import { SEALED_DIR, segmentLabel } from "./sealed-segments.ts";

export function partitionDir(root: string, partition: string): string {
  const segments = partition.split("/");
  const last = segments.pop()!;
  return join(root, ...segments, `${last}.ledger`);
}

/** Number of tree nodes (post-order) for a tree of n leaves. */
export function nodeCount(n: number): number {
  return 2 * n - popcount(n);
}

/** Post-order position of a complete subtree: right after the last leaf it covers and its lower parents. */
export function nodePosition(ref: NodeRef): number {
  const lastLeaf = (ref.index + 1) * 2 ** ref.level - 1;
  return nodeCount(lastLeaf) + ref.level;
}

function parseCheckpointLine(text: string): Checkpoint {
  const value = JSON.parse(text) as Checkpoint;
  return {
    origin: value.origin,
    size: value.size,
    rootHash: value.rootHash,
    note: value.note,
    signedAt: value.signedAt,
  };
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-");
}

/** Moves the bytes from `offset` to the end of `file` into `<file>.torn-<time>` and cuts them off. */
function moveTailAside(file: string, offset: number, partition: string, reason: string): LedgerRecovery {
  const fd = openSync(file, "r+");
  try {
    const size = statSync(file).size;
    const tail = Buffer.alloc(size - offset);
    readSync(fd, tail, 0, tail.length, offset);
    const movedTo = `${file}.torn-${stamp()}`;
    writeFileSync(movedTo, tail, { flag: "wx", mode: PRIVATE_FILE_MODE });
    const aside = openSync(movedTo, "r");
    fsyncSync(aside);
    closeSync(aside);
    // Only once the copy is durable is the original cut, and the cut made durable too.
    ftruncateSync(fd, offset);
    fsyncSync(fd);
    const bytes = tail.length;
    const message = `ledger partition ${JSON.stringify(partition)}: ${reason}: moved the last ${bytes} bytes of ${file} to ${movedTo}`;
    return { partition, file, movedTo, bytes, reason, message };
  } finally {
    closeSync(fd);
  }
}

const SCAN_FLUSH = 4096;

const canonical: CanonicalScan = { highBytes: false, cites: false };

/** Why a record line's body is not what append writes (RFC 8785 canonical JSON in UTF-8), if it is not. */
function bodyProblem(buf: Buffer, layout: LineLayout): string | undefined {
  const problem = canonicalProblem(buf, layout.bodyStart, layout.bodyEnd, canonical);
  if (problem !== undefined) return `body is not canonical JSON: ${problem}`;
  if (canonical.highBytes && !isUtf8(buf.subarray(layout.bodyStart, layout.bodyEnd))) return "body is not valid UTF-8";
  return undefined;
}

type Scanned = Pick<ScanFindings, "stop" | "tornBytes"> & { segmentDamage?: string };

export class JsonlPartition {
  readonly name: string;
  readonly dir: string;
  readonly recordsPath: string;
  readonly checkpointsPath: string;
  private readonly lockPath: string;
  private readonly writable: boolean;
  /** This instance took the writer lock (another instance in this process may hold it instead). */
  private ownsLock = false;
  private handle: FileHandle | undefined;
  private readonly files: RecordFiles;
  private index!: FixedFile;
  private tree!: FixedFile;
  private head: ChainHead = emptyHead(new Frontier());
  /** End of the last complete, chained record line. */
  private bytes = 0;
  private checkpointList: Checkpoint[] = [];
  /** The most records a stored checkpoint covers: records.jsonl must hold at least these. */
  private covered = 0;
  private checkpointBytes = 0;
  /** Complete lines of checkpoints.jsonl that are not checkpoints (damage: a torn one is never complete). */
  checkpointProblems: string[] = [];
  /** Why records past `head.size` cannot be read (a reader met damage it must not repair). */
  damage: string | undefined;
  private broken: Error | undefined;
  readonly recoveries: LedgerRecovery[] = [];
  /** Seal when records.jsonl exceeds this many bytes (0: never). */
  private readonly sealBytes: number;
  private sealing: Promise<void> | undefined;
  /** A reader's refresh in progress (and those asked for after it), chained: see refresh. */
  private refreshing: Promise<void> = Promise.resolve();
  /** Set while the live file is swapped: commits wait for it. */
  private holding: Promise<void> | undefined;
  private committing: Promise<unknown> | undefined;
  /** The archive run in progress (one at a time). */
  private archiving: Promise<unknown> | undefined;
  /** Verifies of this process in progress: no seal or archive run starts meanwhile (it would move records under them). */
  private readonly verifies = new Set<Promise<unknown>>();
  /** Why sealing stopped in this process (appends go on; the next open seals again). */
  sealFailure: Error | undefined;
  /** Told once when sealing stops, so the operator learns why the partition grows uncompressed. */
  private readonly onWarning: ((message: string) => void) | undefined;
  /** The archive directory a change of which was said (archiveDirChange). */
  private archiveDirWarned: string | undefined;

  private constructor(
    root: string,
    name: string,
    writable: boolean,
    sealBytes: number,
    onWarning?: (message: string) => void,
  ) {
    this.name = name;
    this.dir = partitionDir(root, name);
    this.recordsPath = join(this.dir, "records.jsonl");
    this.checkpointsPath = join(this.dir, "checkpoints.jsonl");
    this.lockPath = join(this.dir, "writer.lock");
    this.writable = writable;
    this.sealBytes = sealBytes;
    this.onWarning = onWarning;
    this.files = new RecordFiles(name, this.dir, this.recordsPath);
  }

  /** Opens for reading (never modifies files) or for writing (takes the lock, recovers a torn tail). */
  static async open(
    root: string,
    name: string,
    writable: boolean,
    sealBytes = 0,
    onWarning?: (message: string) => void,
  ): Promise<JsonlPartition> {
    const partition = new JsonlPartition(root, name, writable, sealBytes, onWarning);
    try {
      await partition.load();
    } catch (error) {
      // Waits for cache writes the scan started: an fd closed under them could be reused by another file.
      await partition.close().catch(() => undefined);
      throw error;
    }
    return partition;
  }

  get size(): number {
    return this.head.size;
  }

  private async load(): Promise<void> {
    if (this.writable) {
      const created = !existsDir(this.dir);
      makePrivateDir(this.dir);
      acquirePidLock(this.lockPath, this.name);
      this.ownsLock = true;
      // Files an older Pithead wrote 0644 (sealed segments and the archive manifest included).
      const files = [...filesIn(this.dir), ...filesIn(join(this.dir, SEALED_DIR))];
      for (const said of tightenFiles(files))
        this.onWarning?.(`ledger partition ${JSON.stringify(this.name)}: ${said}`);
      const leftovers = cleanUpAfterCrash(this.dir, this.recordsPath);
      if (leftovers.length > 0) {
        // A repair is reported, never silent: these were copies (every record is still in a file).
        this.onWarning?.(
          `ledger partition ${JSON.stringify(this.name)}: removed what a seal cut short by a crash left (copies; no record was in them alone): ${leftovers.join(", ")}`,
        );
      }
      for (const said of repairArchive(this.dir, this.name, readManifest(this.dir))) this.onWarning?.(said);
      this.handle = await open(this.recordsPath, "a", PRIVATE_FILE_MODE);
      await this.handle.datasync();
      if (created) fsyncDir(dirname(this.dir));
      fsyncDir(this.dir);
    }
    // Checkpoints before records.jsonl is opened: a checkpoint signed later may cover records that a
    // seal in the writer's process put only in a records.jsonl newer than the one opened (not damage).
    this.loadCheckpoints();
    try {
      this.files.open();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    this.files.loadManifest();
    this.index = new FixedFile(join(this.dir, "index.bin"), 8, this.writable);
    this.tree = new FixedFile(join(this.dir, "tree.bin"), 32, this.writable);
    this.files.offsetAfter = (seq) => this.offsetAfter(seq);
    this.files.locate(this.index.length);
    // Caches that do not reach past the archived records cannot be rebuilt from records here: the
    // manifest's frontier stands in for them (seedFromArchive).
    const trustedCaches = this.trustedPrefix();
    const trusted = trustedCaches < this.files.archivedTo ? 0 : trustedCaches;
    this.index.truncate(trusted);
    this.tree.truncate(nodeCount(trusted));
    // Untrusted caches say nothing of where records.jsonl starts: the scan finds it.
    if (trusted <= this.files.liveFrom && this.files.liveFrom > 0) this.files.liveStart = Number.NaN;
    if (trusted > 0) {
      const last = this.files.readLive(trusted - 1);
      this.head = {
        size: trusted,
        head: sha256(last).toString("hex"),
        frontier: new Frontier(
          trusted,
          Frontier.refs(trusted).map((ref) => this.tree.get(nodePosition(ref))),
        ),
      };
      this.bytes = this.index.get(trusted - 1).readDoubleLE(0);
    } else if (this.files.archivedTo > 0) this.seedFromArchive();
    this.settle(await this.scan());
  }

  /**
   * Caches rebuilt with an archived prefix: the archived records' offsets are unknown (they are all
   * given logical offset 0, so the local records' offsets start there) and of their tree nodes only
   * the manifest's frontier is known; the others are left zero, and a proof that needs one answers
   * RECORD_ARCHIVED (node()). The scan then continues from the frontier and the last archived hash.
   */
  private seedFromArchive(): void {
    const last = this.files.archived.at(-1)!;
    const size = last.to;
    const frontier = entryFrontier(last);
    const CHUNK = 1 << 16;
    for (let done = 0; done < size; done += CHUNK) this.index.append(Buffer.alloc(Math.min(CHUNK, size - done) * 8));
    const known = new Map(Frontier.refs(size).map((ref, i) => [nodePosition(ref), frontier.nodes[i]!]));
    const total = nodeCount(size);
    for (let done = 0; done < total; done += CHUNK) {
      const chunk = Buffer.alloc(Math.min(CHUNK, total - done) * 32);
      for (const [position, node] of known) {
        if (position >= done && position < done + chunk.length / 32) node.copy(chunk, (position - done) * 32);
      }
      this.tree.append(chunk);
    }
    this.head = { size, head: last.last_hash, frontier };
    this.bytes = 0;
  }

  /** Logical offset where record seq+1 starts (the end of record seq, newline included). */
  private offsetAfter(seq: number): number {
    return seq < 0 ? 0 : this.index.get(seq).readDoubleLE(0);
  }

  private loadCheckpoints(): void {
    let text: string;
    try {
      text = readFileSync(this.checkpointsPath, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      return;
    }
    const complete = text.lastIndexOf("\n") + 1;
    if (complete < text.length && this.writable) {
      this.recoveries.push(
        moveTailAside(
          this.checkpointsPath,
          Buffer.byteLength(text.slice(0, complete)),
          this.name,
          "torn last checkpoint line",
        ),
      );
    }
    this.checkpointBytes = Buffer.byteLength(text.slice(0, complete));
    this.checkpointList = [];
    this.covered = 0;
    this.checkpointProblems = [];
    for (const [i, line] of text.slice(0, complete).split("\n").entries()) {
      if (line.length === 0) continue;
      try {
        const checkpoint = parseCheckpointLine(line);
        this.checkpointList.push(checkpoint);
        if (Number.isSafeInteger(checkpoint.size)) this.covered = Math.max(this.covered, checkpoint.size);
        if (!Number.isSafeInteger(checkpoint.size) || typeof checkpoint.note !== "string") {
          this.checkpointProblems.push(`line ${i + 1} of checkpoints.jsonl is not a stored checkpoint`);
        }
      } catch (error) {
        // The cache does not rely on it; damage() names it (a complete line: not a torn write), verify reports it.
        this.checkpointProblems.push(`line ${i + 1} of checkpoints.jsonl is malformed: ${(error as Error).message}`);
      }
    }
  }

  /** How many records the caches may be trusted for: up to the latest checkpoint whose root they reproduce. */
  private trustedPrefix(): number {
    const latest = this.checkpointList.at(-1);
    if (!latest || latest.size === 0) return 0;
    const n = latest.size;
    if (this.index.length < n || this.tree.length < nodeCount(n)) return 0;
    const frontier = new Frontier(
      n,
      Frontier.refs(n).map((ref) => this.tree.get(nodePosition(ref))),
    );
    return frontier.root().toString("hex") === latest.rootHash && this.holdsRecord(n - 1) ? n : 0;
  }

  /**
   * records.jsonl holds record `seq` where index.bin says, hashing to the leaf tree.bin has for it. When
   * not (the file was cut, edited or replaced), the caches do not describe it and the scan starts over.
   */
  private holdsRecord(seq: number): boolean {
    // Sealing keeps the latest checkpoint's last record in records.jsonl: opening never decompresses.
    const { fd, liveFrom, liveStart } = this.files;
    if (fd === undefined || seq < liveFrom || !Number.isFinite(liveStart)) return false;
    const start = this.offsetAfter(seq - 1) - liveStart;
    const end = this.offsetAfter(seq) - liveStart;
    const length = end - start;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0) return false;
    if (length < 2 || length > MAX_RECORD_BYTES + 1 || fstatSync(fd).size < end) return false;
    const line = Buffer.allocUnsafe(length);
    if (readSync(fd, line, 0, length, start) !== length || line[length - 1] !== 0x0a) return false;
    return leafHash(sha256(line.subarray(0, length - 1))).equals(this.tree.get(nodePosition({ level: 0, index: seq })));
  }

  /**
   * Indexes the complete record lines after `bytes` that continue the chain (in sealed segments the
   * caches do not cover yet, then in records.jsonl); says where and why it stopped. Offsets in the
   * findings are physical ones of records.jsonl; damage in a segment comes as `segmentDamage`.
   */
  private async scan(): Promise<Scanned> {
    const files = this.files;
    if (files.fd === undefined && files.segments.length === 0) return { tornBytes: 0 };
    let prevHex = Buffer.from(this.head.head, "latin1");
    const frontier = this.head.frontier.clone();
    let offsets: number[] = [];
    let nodes: Buffer[] = [];
    let stop: ScanFindings["stop"];
    let end = this.bytes;
    const flush = () => {
      const buf = Buffer.allocUnsafe(offsets.length * 8);
      for (let i = 0; i < offsets.length; i++) buf.writeDoubleLE(offsets[i]!, i * 8);
      this.index.append(buf);
      this.tree.append(Buffer.concat(nodes));
      offsets = [];
      nodes = [];
    };
    /** `offset`: the line's logical offset. */
    const onLine = (buf: Buffer, start: number, lineEnd: number, offset: number) => {
      if (stop) return;
      const layout = recordLineLayout(buf, start, lineEnd);
      const seq = frontier.size;
      let reason: string | undefined;
      if (typeof layout === "string") reason = `record ${seq} is malformed: ${layout}`;
      else if (layout.seq !== seq) reason = `expected seq ${seq}, found ${layout.seq}`;
      else if (buf.compare(prevHex, 0, 64, layout.prevStart, layout.prevStart + 64) !== 0) {
        reason = `the prev of record ${seq} does not match the hash of record ${seq - 1}: one of them was altered`;
      } else {
        const problem = bodyProblem(buf, layout);
        if (problem) reason = `record ${seq} is malformed: ${problem}`;
      }
      if (reason) {
        stop = { offset, reason, garbage: buf.subarray(start, lineEnd).includes(0) };
        return;
      }
      const hash = sha256(buf.subarray(start, lineEnd));
      nodes.push(leafHash(hash));
      frontier.push(nodes.at(-1)!, (_l, _i, node) => nodes.push(node));
      prevHex = Buffer.from(hash.toString("hex"), "latin1");
      end = offset + (lineEnd - start) + 1;
      offsets.push(end);
      if (offsets.length >= SCAN_FLUSH) flush();
    };
    const finish = () => {
      flush();
      this.head = {
        size: frontier.size,
        head: frontier.size === 0 ? ZERO_HASH_HEX : prevHex.toString("latin1"),
        frontier,
      };
      this.bytes = end;
    };
    // Sealed segments past what is indexed (a scan from scratch, or a reader that fell behind a seal).
    for (const segment of files.segments) {
      if (segment.to <= frontier.size) continue;
      const label = `${segmentLabel(segment)} (${segment.path})`;
      let problem: string | undefined;
      if (segment.from > frontier.size) {
        problem = `records ${frontier.size}..${segment.from - 1} are missing: no sealed segment holds them, and ${label} starts at record ${segment.from}`;
      } else {
        let data: Buffer | undefined;
        try {
          data = await files.cache.get(segment);
        } catch (error) {
          problem = `${label} cannot be read: ${(error as Error).message}`;
        }
        if (data) {
          // Its logical start: the end of the record before it (indexed already, or just scanned).
          const base = segment.from === frontier.size ? end : this.offsetAfter(segment.from - 1);
          let lineStart = end - base;
          for (let nl = data.indexOf(0x0a, lineStart); nl >= 0 && !stop; nl = data.indexOf(0x0a, lineStart)) {
            onLine(data, lineStart, nl, base + lineStart);
            lineStart = nl + 1;
          }
          if (stop) problem = `${label} at byte ${stop.offset - base}: ${stop.reason}`;
          else if (frontier.size !== segment.to) {
            problem = `${label} should hold records ${segment.from}..${segment.to - 1} but ends after record ${frontier.size - 1}`;
          }
        }
      }
      if (problem) {
        finish();
        return { tornBytes: 0, segmentDamage: problem };
      }
    }
    if (frontier.size < files.liveFrom) {
      finish();
      return {
        tornBytes: 0,
        segmentDamage: `records ${frontier.size}..${files.liveFrom - 1} are missing: records.jsonl starts at record ${files.liveFrom} and no sealed segment holds them`,
      };
    }
    if (!Number.isFinite(files.liveStart)) {
      flush(); // offsetAfter reads the index
      files.liveStart = frontier.size === files.liveFrom ? end : this.offsetAfter(files.liveFrom - 1);
    }
    if (files.fd === undefined) {
      finish();
      return { tornBytes: 0 };
    }
    const liveStart = files.liveStart;
    // The file that was opened and located, not whatever is at its name now: a seal in the writer's
    // process may swap records.jsonl meanwhile, and the new file read at the old one's offsets would
    // look like damage (or end the read early). The old file still holds every record appended before
    // the swap; the next refresh reopens the new one.
    const fd = files.fd;
    const fileSize = fstatSync(fd).size;
    if (fileSize < end - liveStart) {
      finish();
      const reason = `the file ends here, before the end of record ${frontier.size - 1} (byte ${end - liveStart}): it was cut`;
      return { stop: { offset: fileSize, reason, garbage: false }, tornBytes: 0 };
    }
    let tornBytes = 0;
    if (fileSize > end - liveStart) {
      const result = await forEachLineOf(
        fdSource(fd),
        fileSize,
        (buf, start, lineEnd, offset) => onLine(buf, start, lineEnd, offset + liveStart),
        { from: end - liveStart },
      );
      tornBytes = result.tornBytes;
    }
    finish();
    if (stop) stop = { ...stop, offset: stop.offset - liveStart };
    return stop ? { stop, tornBytes } : { tornBytes };
  }

  /** Acts on what the scan found: a writer moves an unacknowledged tail aside or refuses damage; a reader stops at damage. */
  private settle(scanned: Scanned): void {
    if (scanned.segmentDamage !== undefined) {
      const detail = `${scanned.segmentDamage}; run \`pithead ledger verify\` on the ledger`;
      if (this.writable) throw new LedgerCorruptError(this.name, detail);
      this.damage = detail;
      return;
    }
    const found: ScanFindings = {
      ...scanned,
      records: this.head.size,
      end: this.bytes - this.files.liveStart,
      covered: this.covered,
    };
    const verdict = openVerdict(found, this.recordsPath);
    if (verdict.kind === "damage") {
      if (this.writable) throw new LedgerCorruptError(this.name, verdict.detail);
      this.damage = verdict.detail;
    } else if (verdict.kind === "move-aside" && this.writable) {
      this.recoveries.push(moveTailAside(this.recordsPath, verdict.offset, this.name, verdict.reason));
    }
  }

  /**
   * A reader catches up with what the writer process appended since (reopening records.jsonl the
   * writer swapped). One at a time, each begun after it was asked for (so it sees every append
   * acknowledged before): two at once would index the same records twice, and a reopen would close
   * the file the other one's scan reads.
   */
  async refresh(): Promise<void> {
    if (this.writable) return;
    const run = this.refreshing.then(() => this.catchUp());
    this.refreshing = run.catch(() => undefined);
    await run;
  }

  private async catchUp(): Promise<void> {
    // Checkpoints first, as on open: each then covers only records in the file read or the segments listed.
    try {
      if (statSync(this.checkpointsPath).size !== this.checkpointBytes) this.loadCheckpoints();
    } catch {
      // no checkpoints yet
    }
    try {
      if (this.files.fd === undefined || this.files.swapped()) {
        this.files.open();
        this.files.locate(this.head.size);
      }
    } catch {
      // no records yet (or the file is being swapped: the next read catches up)
    }
    // The writer archived segments: they are no longer read (their records answer RECORD_ARCHIVED).
    this.files.loadManifest();
    if (this.damage) return;
    this.settle(await this.scan());
  }

  /** Throws the damage a reader met when a read reaches past the records it could read. */
  assertReadable(to: number): void {
    if (this.damage !== undefined && to >= this.head.size) throw new LedgerCorruptError(this.name, this.damage);
  }

  /** Where record `seq` is stored, for an error about it. */
  where(seq: number): string {
    if (seq >= this.head.size) return `record ${seq} (beyond the ${this.head.size} records of ${this.dir})`;
    return this.files.where(seq);
  }

  async commit(entries: readonly PreparedEntry[]): Promise<StoredRecord[]> {
    while (this.holding) await this.holding;
    const committed = this.write(entries);
    this.committing = committed;
    try {
      return await committed;
    } finally {
      this.committing = undefined;
    }
  }

  private async write(entries: readonly PreparedEntry[]): Promise<StoredRecord[]> {
    if (this.broken) throw this.broken;
    const handle = this.handle!;
    const batch = encodeJsonlBatch(this.head, entries);
    const data = batch.data;
    try {
      let done = 0;
      while (done < data.length) done += (await handle.write(data, done, data.length - done)).bytesWritten;
      await handle.datasync();
    } catch (error) {
      // Cut off whatever part of this group reached the file, so the next group continues the chain.
      try {
        await handle.truncate(this.bytes - this.files.liveStart);
        await handle.datasync();
      } catch (cutError) {
        this.broken = new LedgerCorruptError(
          this.name,
          `a failed write could not be undone: ${(cutError as Error).message}; reopen the ledger`,
        );
      }
      throw error;
    }
    const offsets = Buffer.allocUnsafe(batch.ends.length * 8);
    for (let i = 0; i < batch.ends.length; i++) offsets.writeDoubleLE(this.bytes + batch.ends[i]!, i * 8);
    this.index.append(offsets);
    this.tree.append(batch.postOrder);
    this.bytes += data.length;
    this.head = batch.head;
    return batch.records;
  }

  /**
   * Starts sealing, after a checkpoint is stored, once records.jsonl exceeds sealBytes: the records
   * from its start up to (not including) the latest checkpoint's last record, so that opening never
   * needs a segment to trust its caches. After a checkpoint, not after any commit: the tail the swap
   * copies (with commits held) is then only what was appended since, and a writer like the fleet
   * compresses between its cycles rather than during one. At least sealBytes at a time: segments of
   * about that size (and checkpoints that lag make no tiny ones).
   */
  private maybeSeal(): void {
    if (this.sealBytes <= 0 || this.sealing || this.sealFailure || this.broken || this.verifies.size > 0) return;
    const { liveFrom, liveStart } = this.files;
    if (this.bytes - liveStart <= this.sealBytes) return;
    const cut = Math.min(this.covered, this.head.size) - 1;
    if (cut <= liveFrom) return;
    const cutBytes = this.offsetAfter(cut - 1);
    if (cutBytes - liveStart < this.sealBytes) return;
    this.sealing = this.seal(cut, cutBytes)
      .catch((error: unknown) => {
        this.sealFailure = error as Error;
        const why = (error as NodeJS.ErrnoException).code === "ENOSPC" ? "the disk is full" : (error as Error).message;
        this.onWarning?.(
          `ledger partition ${JSON.stringify(this.name)}: sealing older records into ${this.dir}/sealed failed (${why}); ` +
            "they stay in records.jsonl, uncompressed, and nothing is lost; sealing is tried again when the ledger is next opened",
        );
      })
      .finally(() => {
        this.sealing = undefined;
      });
  }

  /** Seals records liveFrom..cut-1 (logical bytes up to cutBytes): see jsonl-seal.ts for the steps. */
  private async seal(cut: number, cutBytes: number): Promise<void> {
    const { liveFrom, liveStart } = this.files;
    const segment = await writeSegment(this.dir, this.recordsPath, cutBytes - liveStart, liveFrom, cut);
    let release!: () => void;
    this.holding = new Promise((resolve) => {
      release = resolve;
    });
    try {
      while (this.committing) await this.committing.catch(() => undefined);
      if (this.broken) return;
      await swapLiveTail(this.dir, this.recordsPath, cutBytes - liveStart, this.bytes - liveStart);
      try {
        // The old handles point at the replaced file: appends there would be lost.
        await this.handle?.close();
        this.handle = await open(this.recordsPath, "a", PRIVATE_FILE_MODE);
        this.files.sealed(segment, cut, cutBytes);
      } catch (error) {
        this.broken = new LedgerCorruptError(
          this.name,
          `records.jsonl could not be reopened after sealing: ${(error as Error).message}; reopen the ledger`,
        );
        throw error;
      }
    } finally {
      this.holding = undefined;
      release();
    }
  }

  /**
   * Runs a verify of this partition's files with no seal or archive run moving records meanwhile (one
   * in progress finishes first); sealing resumes at the next checkpoint.
   */
  async whileVerifying<T>(task: () => Promise<T>): Promise<T> {
    // Taken now: an archive run asked for later waits for this verify, which must not wait for it.
    const { sealing, archiving } = this;
    const run = (async () => {
      await sealing;
      await archiving;
      return await task();
    })();
    this.verifies.add(run);
    try {
      return await run;
    } finally {
      this.verifies.delete(run);
    }
  }

  rootHash(): Buffer {
    return this.head.frontier.root();
  }

  get latestCheckpoint(): Checkpoint | undefined {
    return this.checkpointList.at(-1);
  }

  get allCheckpoints(): readonly Checkpoint[] {
    return this.checkpointList;
  }

  async storeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    // The caches up to this size must be durable before a checkpoint vouches for them on the next open.
    await Promise.all([this.index.sync(), this.tree.sync()]);
    const line = `${canonicalJson({ ...checkpoint })}\n`;
    const handle = await open(this.checkpointsPath, "a", PRIVATE_FILE_MODE);
    try {
      await handle.write(line);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.checkpointList.push(checkpoint);
    this.covered = Math.max(this.covered, checkpoint.size);
    this.checkpointBytes += Buffer.byteLength(line);
    this.maybeSeal();
  }

  async line(seq: number): Promise<StoredLine | undefined> {
    this.assertReadable(seq);
    if (seq >= this.head.size) return undefined;
    const buf = await this.files.readLine(seq);
    const layout = recordLineLayout(buf, 0, buf.length);
    if (typeof layout === "string" || layout.seq !== seq) {
      throw new LedgerCorruptError(
        this.name,
        `${this.where(seq)} is not record ${seq}: ${typeof layout === "string" ? layout : `it holds seq ${layout.seq}`}; ` +
          "the file was changed after it was written: run `pithead ledger verify` on the ledger",
      );
    }
    return { seq, line: buf.toString("utf8") };
  }

  /** Lines [from, to] in blocks of contiguous bytes, ascending or descending. */
  async *lineBlocks(from: number, to: number, reverse: boolean): AsyncGenerator<StoredLine[]> {
    const BLOCK = 512;
    if (to < from) return;
    const blocks: [number, number][] = [];
    for (let a = from; a <= to; a += BLOCK) blocks.push([a, Math.min(a + BLOCK - 1, to)]);
    if (reverse) blocks.reverse();
    for (const [a, b] of blocks) {
      const out: StoredLine[] = [];
      // A block may span a segment's end (or the live file's start): read each part from its file.
      for (let first = a; first <= b; ) {
        const last = this.files.spanEnd(first, b);
        const buf = await this.files.readSpan(first, last);
        let lineStart = 0;
        for (let seq = first; seq <= last; seq++) {
          const nl = buf.indexOf(0x0a, lineStart);
          out.push({ seq, line: buf.toString("utf8", lineStart, nl) });
          lineStart = nl + 1;
        }
        first = last + 1;
      }
      if (reverse) out.reverse();
      yield out;
    }
  }

  node(ref: NodeRef): Buffer {
    const node = this.tree.get(nodePosition(ref));
    // A node of archived records that caches rebuilt after archiving do not hold (seedFromArchive).
    const firstLeaf = ref.index * 2 ** ref.level;
    if (firstLeaf < this.files.archivedTo && node.every((b) => b === 0)) throw this.files.archivedError(firstLeaf)!;
    return node;
  }

  /** Records archived so far (sealed/archived.jsonl). */
  get archived(): RecordFiles["archived"] {
    return this.files.archived;
  }

  /** Problems of sealed/archived.jsonl's lines. */
  get manifestProblems(): readonly string[] {
    return this.files.manifestProblems;
  }

  /**
   * Moves the oldest sealed segments that qualify to an archive directory (jsonl-archive.ts), after
   * finishing what an interrupted run left. One run at a time; a seal in progress finishes first.
   */
  archive(options: ArchiveOptions): Promise<ArchiveReport> {
    if (!this.writable) return Promise.reject(new Error("archiving needs the partition's writer"));
    const run = async (): Promise<ArchiveReport> => {
      await this.sealing;
      await Promise.allSettled([...this.verifies]);
      if (options.dryRun !== true) {
        for (const said of repairArchive(this.dir, this.name, readManifest(this.dir))) this.onWarning?.(said);
      }
      this.files.loadManifest();
      const change = archiveDirChange(this.name, this.files.archived.at(-1)?.archive, options.to);
      // Once per directory: an hourly run must not repeat it until the next segment goes there.
      if (change !== undefined && this.archiveDirWarned !== options.to) {
        this.archiveDirWarned = options.to;
        this.onWarning?.(change);
      }
      return await archiveSegments(
        {
          partition: this.name,
          dir: this.dir,
          segments: [...this.files.segments],
          entries: this.files.archived,
          covered: Math.min(this.covered, this.head.size),
          liveFrom: this.files.liveFrom,
          size: this.head.size,
          node: (ref) => {
            const position = nodePosition(ref);
            if (position >= this.tree.length) return undefined;
            const node = this.tree.get(position);
            return node.every((b) => b === 0) ? undefined : node;
          },
          moved: (entry) => this.files.noteArchived(entry),
        },
        options,
      );
    };
    const result = (this.archiving ?? Promise.resolve()).then(run, run);
    this.archiving = result.catch(() => undefined);
    return result;
  }

  /** Seq of the record with this hash: a scan of the cached leaves (citations by hash are rare). */
  seqOfHash(hash: Buffer): number | undefined {
    const target = leafHash(hash);
    const total = this.tree.length;
    const CHUNK = 32768;
    for (let from = 0; from < total; from += CHUNK) {
      const to = Math.min(from + CHUNK, total);
      const fromFile = this.tree.readRange(from, to);
      for (let p = from; p < to; p++) {
        const entry =
          p < this.tree.filePart ? fromFile.subarray((p - from) * 32, (p - from + 1) * 32) : this.tree.get(p);
        if (entry.equals(target)) return leafAt(p, this.head.size);
      }
    }
    return undefined;
  }

  /** Closes the files at once (a failed open, when nothing was appended). */
  closeFiles(): void {
    this.index?.closeNow();
    this.tree?.closeNow();
    this.files.close();
  }

  async close(): Promise<void> {
    await this.refreshing; // its scan reads the fd closed below
    await this.sealing;
    await this.archiving;
    await this.handle?.close();
    this.handle = undefined;
    // The caches' last appends reach their files before the lock is released to the next writer.
    await Promise.all([this.index?.close(), this.tree?.close()]);
    this.closeFiles();
    if (this.ownsLock) releasePidLock(this.lockPath);
  }
}

/** The leaf index whose post-order position is p, if p is a leaf. */
function leafAt(position: number, size: number): number | undefined {
  let lo = 0;
  let hi = size - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const p = nodeCount(mid);
    if (p === position) return mid;
    if (p < position) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
