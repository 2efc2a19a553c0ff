// One partition of the JSONL store: a directory `<root>/<a>/<b>.ledger/` holding
//   records.jsonl      canonical record lines, the source of truth (appended, fdatasync'd per commit)
//   checkpoints.jsonl  one signed checkpoint per line
//   writer.lock        pid of the one process allowed to append
//   index.bin          end offset of each record line (float64 LE), a cache
//   tree.bin           every Merkle tree node in post-order (32 bytes each), a cache
// The caches are rebuilt on open from the latest checkpoint onwards (whose root vouches for the
// cached frontier), so a crash can cost at most a re-hash of the records after that checkpoint.
import {
  closeSync,
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
import { type ChainHead, emptyHead } from "./chain.ts";
import type { PreparedEntry } from "./entry.ts";
import { FixedFile } from "./fixed-file.ts";
import { sha256, ZERO_HASH_HEX } from "./hash.ts";
import { canonicalJson } from "./json.ts";
import { encodeJsonlBatch } from "./jsonl-batch.ts";
import { forEachLine } from "./line-reader.ts";
import { Frontier, leafHash, type NodeRef, popcount } from "./merkle.ts";
import { acquirePidLock, releasePidLock } from "./pid-lock.ts";
import type { StoredRecord } from "./record.ts";
import { recordLineLayout } from "./record-line.ts";

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
    return { partition, movedTo, bytes: tail.length, reason };
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
      partition.closeFiles();
      if (partition.ownsLock) releasePidLock(partition.lockPath);
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
    await this.scan();
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
    for (const line of text.slice(0, complete).split("\n")) {
      if (line.length === 0) continue;
      try {
        this.checkpointList.push(parseCheckpointLine(line));
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
    return frontier.root().toString("hex") === latest.rootHash ? n : 0;
  }

  private readLine(seq: number): Buffer {
    const start = seq === 0 ? 0 : this.index.get(seq - 1).readDoubleLE(0);
    const end = this.index.get(seq).readDoubleLE(0);
    const buf = Buffer.allocUnsafe(end - start - 1);
    readSync(this.readFd!, buf, 0, buf.length, start);
    return buf;
  }

  /** Indexes complete record lines after `bytes`; a writer also recovers a torn tail. */
  private async scan(): Promise<void> {
    if (this.readFd === undefined) return;
    const fileSize = statSync(this.recordsPath).size;
    if (fileSize <= this.bytes) return;
    let head = this.head;
    let prevHex = Buffer.from(head.head, "latin1");
    const frontier = head.frontier.clone();
    let offsets: number[] = [];
    let nodes: Buffer[] = [];
    let stop: { offset: number; reason: string; garbage: boolean } | undefined;
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
        let reason: string | undefined;
        if (typeof layout === "string") reason = layout;
        else if (layout.seq !== frontier.size) reason = `expected seq ${frontier.size}, found ${layout.seq}`;
        else if (buf.compare(prevHex, 0, 64, layout.prevStart, layout.prevStart + 64) !== 0) {
          reason = `prev of record ${layout.seq} does not match record ${layout.seq - 1}`;
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
    if (stop) {
      // Lines with NUL bytes are what a power loss leaves in blocks that never reached the disk; those
      // were never acknowledged. Anything else that breaks the chain is damage an operator must see.
      if (this.writable && stop.garbage) {
        this.recoveries.push(
          moveTailAside(this.recordsPath, stop.offset, this.name, `unwritten blocks after a crash (${stop.reason})`),
        );
        return;
      }
      const detail = `records.jsonl at byte ${stop.offset}: ${stop.reason}; run \`pithead ledger verify\``;
      if (this.writable) throw new LedgerCorruptError(this.name, detail);
      this.damage = detail;
      return;
    }
    if (result.tornBytes > 0) {
      if (this.writable) {
        this.recoveries.push(
          moveTailAside(
            this.recordsPath,
            result.completeBytes,
            this.name,
            "torn last line (an append that was never acknowledged)",
          ),
        );
      }
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
    if (!this.damage) await this.scan();
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
    this.checkpointBytes += Buffer.byteLength(line);
  }

  line(seq: number): StoredLine | undefined {
    if (seq >= this.head.size) return undefined;
    const buf = this.readLine(seq);
    const layout = recordLineLayout(buf, 0, buf.length);
    if (typeof layout === "string" || layout.seq !== seq) {
      throw new LedgerCorruptError(
        this.name,
        `index.bin points record ${seq} at a line that is not record ${seq}; reopen to rebuild it`,
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
