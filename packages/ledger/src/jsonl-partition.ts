// One partition of the JSONL store: a directory `<root>/<a>/<b>.ledger/` holding
//   records.jsonl      canonical record lines, the source of truth (appended, fdatasync'd per commit)
//   checkpoints.jsonl  one signed checkpoint per line
//   writer.lock        pid of the one process allowed to append
//   index.bin          end offset of each record line (float64 LE), a cache
//   tree.bin           every Merkle tree node in post-order (32 bytes each), a cache
// The caches are rebuilt on open from the latest checkpoint onwards (whose root vouches for the
// cached frontier, and whose last record must be in records.jsonl where index.bin says), so a crash
// can cost at most a re-hash of the records after that checkpoint. What the scan of records.jsonl
// finds is judged by jsonl-open-verdict.ts: a torn tail is moved aside, damage refuses writing.
import { isUtf8 } from "node:buffer";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Checkpoint, LedgerCorruptError, type LedgerRecovery, type StoredLine } from "./backend.ts";
import { type CanonicalScan, canonicalProblem } from "./canonical-check.ts";
import { type ChainHead, emptyHead } from "./chain.ts";
import type { PreparedEntry } from "./entry.ts";
import { FixedFile } from "./fixed-file.ts";
import { sha256, ZERO_HASH_HEX } from "./hash.ts";
import { canonicalJson } from "./json.ts";
import { encodeJsonlBatch } from "./jsonl-batch.ts";
import { openVerdict, type ScanFindings } from "./jsonl-open-verdict.ts";
import { forEachLine } from "./line-reader.ts";
import { Frontier, leafHash, type NodeRef, popcount } from "./merkle.ts";
import { acquirePidLock, releasePidLock } from "./pid-lock.ts";
import { MAX_RECORD_BYTES, type StoredRecord } from "./record.ts";
import { type LineLayout, recordLineLayout } from "./record-line.ts";

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
    writeFileSync(movedTo, tail, { flag: "wx" });
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

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
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
  private readFd: number | undefined;
  private index!: FixedFile;
  private tree!: FixedFile;
  private head: ChainHead = emptyHead(new Frontier());
  /** End of the last complete, chained record line. */
  private bytes = 0;
  private checkpointList: Checkpoint[] = [];
  /** The most records a stored checkpoint covers: records.jsonl must hold at least these. */
  private covered = 0;
  private checkpointBytes = 0;
  /** Why records past `head.size` cannot be read (a reader met damage it must not repair). */
  damage: string | undefined;
  private broken: Error | undefined;
  readonly recoveries: LedgerRecovery[] = [];

  private constructor(root: string, name: string, writable: boolean) {
    this.name = name;
    this.dir = partitionDir(root, name);
    this.recordsPath = join(this.dir, "records.jsonl");
    this.checkpointsPath = join(this.dir, "checkpoints.jsonl");
    this.lockPath = join(this.dir, "writer.lock");
    this.writable = writable;
  }

  /** Opens for reading (never modifies files) or for writing (takes the lock, recovers a torn tail). */
  static async open(root: string, name: string, writable: boolean): Promise<JsonlPartition> {
    const partition = new JsonlPartition(root, name, writable);
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
      mkdirSync(this.dir, { recursive: true });
      acquirePidLock(this.lockPath, this.name);
      this.ownsLock = true;
      this.handle = await open(this.recordsPath, "a");
      await this.handle.datasync();
      if (created) fsyncDir(dirname(this.dir));
      fsyncDir(this.dir);
    }
    try {
      this.readFd = openSync(this.recordsPath, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    this.loadCheckpoints();
    this.index = new FixedFile(join(this.dir, "index.bin"), 8, this.writable);
    this.tree = new FixedFile(join(this.dir, "tree.bin"), 32, this.writable);
    const trusted = this.trustedPrefix();
    this.index.truncate(trusted);
    this.tree.truncate(nodeCount(trusted));
    if (trusted > 0) {
      const last = this.readLine(trusted - 1);
      this.head = {
        size: trusted,
        head: sha256(last).toString("hex"),
        frontier: new Frontier(
          trusted,
          Frontier.refs(trusted).map((ref) => this.tree.get(nodePosition(ref))),
        ),
      };
      this.bytes = this.index.get(trusted - 1).readDoubleLE(0);
    }
    this.settle(await this.scan());
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
    for (const line of text.slice(0, complete).split("\n")) {
      if (line.length === 0) continue;
      try {
        const checkpoint = parseCheckpointLine(line);
        this.checkpointList.push(checkpoint);
        if (Number.isSafeInteger(checkpoint.size)) this.covered = Math.max(this.covered, checkpoint.size);
      } catch {
        // verify reports a malformed checkpoint line; the cache simply does not rely on it.
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
    if (this.readFd === undefined) return false;
    const start = seq === 0 ? 0 : this.index.get(seq - 1).readDoubleLE(0);
    const end = this.index.get(seq).readDoubleLE(0);
    const length = end - start;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0) return false;
    if (length < 2 || length > MAX_RECORD_BYTES + 1 || fstatSync(this.readFd).size < end) return false;
    const line = Buffer.allocUnsafe(length);
    if (readSync(this.readFd, line, 0, length, start) !== length || line[length - 1] !== 0x0a) return false;
    return leafHash(sha256(line.subarray(0, length - 1))).equals(this.tree.get(nodePosition({ level: 0, index: seq })));
  }

  private readLine(seq: number): Buffer {
    const start = seq === 0 ? 0 : this.index.get(seq - 1).readDoubleLE(0);
    const end = this.index.get(seq).readDoubleLE(0);
    const buf = Buffer.allocUnsafe(end - start - 1);
    readSync(this.readFd!, buf, 0, buf.length, start);
    return buf;
  }

  /** Indexes the complete record lines after `bytes` that continue the chain; says where and why it stopped. */
  private async scan(): Promise<Pick<ScanFindings, "stop" | "tornBytes">> {
    if (this.readFd === undefined) return { tornBytes: 0 };
    const fileSize = statSync(this.recordsPath).size;
    if (fileSize < this.bytes) {
      const reason = `the file ends here, before the end of record ${this.head.size - 1} (byte ${this.bytes}): it was cut`;
      return { stop: { offset: fileSize, reason, garbage: false }, tornBytes: 0 };
    }
    if (fileSize === this.bytes) return { tornBytes: 0 };
    let head = this.head;
    let prevHex = Buffer.from(head.head, "latin1");
    const frontier = head.frontier.clone();
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
    const result = await forEachLine(
      this.recordsPath,
      (buf, start, lineEnd, offset) => {
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
      },
      { from: this.bytes },
    );
    flush();
    head = { size: frontier.size, head: frontier.size === 0 ? ZERO_HASH_HEX : prevHex.toString("latin1"), frontier };
    this.head = head;
    this.bytes = end;
    return stop ? { stop, tornBytes: result.tornBytes } : { tornBytes: result.tornBytes };
  }

  /** Acts on what the scan found: a writer moves an unacknowledged tail aside or refuses damage; a reader stops at damage. */
  private settle(scanned: Pick<ScanFindings, "stop" | "tornBytes">): void {
    const found: ScanFindings = { ...scanned, records: this.head.size, end: this.bytes, covered: this.covered };
    const verdict = openVerdict(found, this.recordsPath);
    if (verdict.kind === "damage") {
      if (this.writable) throw new LedgerCorruptError(this.name, verdict.detail);
      this.damage = verdict.detail;
    } else if (verdict.kind === "move-aside" && this.writable) {
      this.recoveries.push(moveTailAside(this.recordsPath, verdict.offset, this.name, verdict.reason));
    }
  }

  /** A reader catches up with what the writer process appended since. */
  async refresh(): Promise<void> {
    if (this.writable) return;
    if (this.readFd === undefined) {
      try {
        this.readFd = openSync(this.recordsPath, "r");
      } catch {
        return;
      }
    }
    try {
      if (statSync(this.checkpointsPath).size !== this.checkpointBytes) this.loadCheckpoints();
    } catch {
      // no checkpoints yet
    }
    if (!this.damage) this.settle(await this.scan());
  }

  /** Throws the damage a reader met when a read reaches past the records it could read. */
  assertReadable(to: number): void {
    if (this.damage !== undefined && to >= this.head.size) throw new LedgerCorruptError(this.name, this.damage);
  }

  /** Where record `seq` is stored, for an error about it. */
  where(seq: number): string {
    if (seq >= this.head.size) return `record ${seq} (beyond the ${this.head.size} records of ${this.recordsPath})`;
    const start = seq === 0 ? 0 : this.index.get(seq - 1).readDoubleLE(0);
    return `record ${seq} (line ${seq + 1} of ${this.recordsPath}, at byte ${start})`;
  }

  async commit(entries: readonly PreparedEntry[]): Promise<StoredRecord[]> {
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
        await handle.truncate(this.bytes);
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
    const handle = await open(this.checkpointsPath, "a");
    try {
      await handle.write(line);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.checkpointList.push(checkpoint);
    this.covered = Math.max(this.covered, checkpoint.size);
    this.checkpointBytes += Buffer.byteLength(line);
  }

  line(seq: number): StoredLine | undefined {
    this.assertReadable(seq);
    if (seq >= this.head.size) return undefined;
    const buf = this.readLine(seq);
    const layout = recordLineLayout(buf, 0, buf.length);
    if (typeof layout === "string" || layout.seq !== seq) {
      throw new LedgerCorruptError(
        this.name,
        `${this.where(seq)} is not record ${seq}: ${typeof layout === "string" ? layout : `it holds seq ${layout.seq}`}; ` +
          "records.jsonl was changed after it was written: run `pithead ledger verify` on the ledger",
      );
    }
    return { seq, line: buf.toString("utf8") };
  }

  /** Lines [from, to] in blocks of contiguous bytes, ascending or descending. */
  *lineBlocks(from: number, to: number, reverse: boolean): Generator<StoredLine[]> {
    const BLOCK = 512;
    if (to < from) return;
    const blocks: [number, number][] = [];
    for (let a = from; a <= to; a += BLOCK) blocks.push([a, Math.min(a + BLOCK - 1, to)]);
    if (reverse) blocks.reverse();
    for (const [a, b] of blocks) {
      const start = a === 0 ? 0 : this.index.get(a - 1).readDoubleLE(0);
      const end = this.index.get(b).readDoubleLE(0);
      const buf = Buffer.allocUnsafe(end - start);
      readSync(this.readFd!, buf, 0, buf.length, start);
      const out: StoredLine[] = [];
      let lineStart = 0;
      for (let seq = a; seq <= b; seq++) {
        const nl = buf.indexOf(0x0a, lineStart);
        out.push({ seq, line: buf.toString("utf8", lineStart, nl) });
        lineStart = nl + 1;
      }
      if (reverse) out.reverse();
      yield out;
    }
  }

  node(ref: NodeRef): Buffer {
    return this.tree.get(nodePosition(ref));
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
    if (this.readFd !== undefined) closeSync(this.readFd);
    this.readFd = undefined;
  }

  async close(): Promise<void> {
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
