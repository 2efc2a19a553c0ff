// The JSONL store: a directory of partitions (see jsonl-partition.ts). A partition is opened for
// reading on first use and reopened for writing (lock + recovery) on the first append or checkpoint.

import { type Dirent, existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { ArchiveDirs } from "./archive-locate.ts";
import { rangeOf } from "./archive-manifest.ts";
import {
  type ArchivedRange,
  type Checkpoint,
  type LedgerBackend,
  LedgerCorruptError,
  type LedgerRecovery,
  type ReadOptions,
  type SignCheckpoint,
  type StoredLine,
  type TreeHead,
} from "./backend.ts";
import type { ChainVerifier } from "./chain-verifier.ts";
import type { PreparedEntry } from "./entry.ts";
import { type ArchiveOptions, type ArchiveReport, archivedLines } from "./jsonl-archive.ts";
import { JsonlPartition, partitionDir } from "./jsonl-partition.ts";
import { verifyJsonlPartition } from "./jsonl-verify.ts";
import type { NodeRef } from "./merkle.ts";
import { refKey } from "./proof-plan.ts";
import type { StoredRecord } from "./record.ts";
import { recordLineLayout } from "./record-line.ts";
import { SEALED_DIR } from "./sealed-segments.ts";

export const DEFAULT_SEAL_BYTES = 64 << 20;

/** What a partition's directory may hold: any of it makes one (its records.jsonl deleted is damage, not no partition). */
const PARTITION_FILES = ["records.jsonl", "checkpoints.jsonl", "index.bin", "tree.bin", SEALED_DIR];

function holdsPartition(dir: string): boolean {
  return PARTITION_FILES.some((file) => existsSync(join(dir, file)));
}

export class JsonlBackend implements LedgerBackend {
  readonly kind = "jsonl" as const;
  private readonly root: string;
  private readonly open = new Map<string, Promise<JsonlPartition>>();
  private readonly writable = new Set<string>();
  /** Readers replaced by a writer stay open until close: a read may still be using them. */
  private readonly retired: Promise<JsonlPartition>[] = [];
  private readonly onRecovery: (recovery: LedgerRecovery) => void;
  private readonly sealBytes: number;
  private readonly onWarning: ((message: string) => void) | undefined;

  /**
   * `sealBytes`: a writer seals records.jsonl's older records into gzip segments past this size (0:
   * never); `onWarning` hears when sealing stops (a full disk), which fails no append.
   */
  constructor(
    root: string,
    onRecovery: (recovery: LedgerRecovery) => void,
    options: { sealBytes?: number; onWarning?: (message: string) => void } = {},
  ) {
    this.root = root;
    this.onRecovery = onRecovery;
    this.sealBytes = options.sealBytes ?? DEFAULT_SEAL_BYTES;
    this.onWarning = options.onWarning;
  }

  private async partition(name: string): Promise<JsonlPartition> {
    let opened = this.open.get(name);
    if (!opened) {
      opened = JsonlPartition.open(this.root, name, false);
      this.open.set(name, opened);
      opened.catch(() => this.open.delete(name));
    }
    const partition = await opened;
    await partition.refresh();
    return partition;
  }

  async acquireWriter(name: string): Promise<void> {
    if (this.writable.has(name)) return;
    const reader = this.open.get(name);
    const writer = await JsonlPartition.open(this.root, name, true, this.sealBytes, this.onWarning);
    for (const recovery of writer.recoveries) this.onRecovery(recovery);
    this.writable.add(name);
    this.open.set(name, Promise.resolve(writer));
    if (reader) this.retired.push(reader);
  }

  private async writer(name: string): Promise<JsonlPartition> {
    await this.acquireWriter(name);
    return await this.open.get(name)!;
  }

  async commit(name: string, entries: readonly PreparedEntry[]): Promise<StoredRecord[]> {
    return await (await this.writer(name)).commit(entries);
  }

  async size(name: string): Promise<number> {
    return (await this.partition(name)).size;
  }

  async treeHead(name: string): Promise<TreeHead> {
    const partition = await this.partition(name);
    return { size: partition.size, rootHash: partition.rootHash().toString("hex") };
  }

  async *lines(name: string, options: ReadOptions): AsyncIterable<StoredLine> {
    const partition = await this.partition(name);
    const from = options.fromSeq ?? 0;
    // A read that reaches damage fails there, rather than ending as if the records stopped: a reverse
    // read at once (it starts at the end), a forward one after the records before the damage.
    const wanted = options.toSeq ?? Number.MAX_SAFE_INTEGER;
    if (options.reverse === true) partition.assertReadable(wanted);
    const to = Math.min(wanted, partition.size - 1);
    let left = options.limit ?? Number.POSITIVE_INFINITY;
    for await (const block of partition.lineBlocks(from, to, options.reverse === true)) {
      for (const found of block) {
        if (options.type !== undefined) {
          const buf = Buffer.from(found.line);
          const layout = recordLineLayout(buf, 0, buf.length);
          if (typeof layout === "string") {
            throw new LedgerCorruptError(
              name,
              `${partition.where(found.seq)} is not a record line (${layout}); run \`pithead ledger verify\` on the ledger`,
            );
          }
          if (layout.type !== options.type) continue;
        }
        yield found;
        if (--left <= 0) return;
      }
    }
    partition.assertReadable(wanted);
  }

  async line(name: string, seq: number): Promise<StoredLine | undefined> {
    return (await this.partition(name)).line(seq);
  }

  async where(name: string, seq: number): Promise<string> {
    return (await this.partition(name)).where(seq);
  }

  async nodes(name: string, refs: readonly NodeRef[]): Promise<Map<string, Buffer>> {
    const partition = await this.partition(name);
    return new Map(refs.map((ref) => [refKey(ref), partition.node(ref)]));
  }

  async seqOfHash(name: string, hash: string): Promise<number | undefined> {
    return (await this.partition(name)).seqOfHash(Buffer.from(hash, "hex"));
  }

  async checkpoint(name: string, sign: SignCheckpoint): Promise<Checkpoint> {
    const partition = await this.writer(name);
    const latest = partition.latestCheckpoint;
    if (latest && latest.size >= partition.size) return latest;
    const checkpoint = sign(partition.size, partition.rootHash());
    await partition.storeCheckpoint(checkpoint);
    return checkpoint;
  }

  async latestCheckpoint(name: string): Promise<Checkpoint | undefined> {
    return (await this.partition(name)).latestCheckpoint;
  }

  async *checkpoints(name: string): AsyncIterable<Checkpoint> {
    yield* (await this.partition(name)).allCheckpoints;
  }

  async partitions(): Promise<string[]> {
    const found: string[] = [];
    const walk = (dir: string): void => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const dirent of entries) {
        const entry = dirent.name;
        const path = join(dir, entry);
        // A partition's sealed/ holds segments, never partitions (and may hold thousands of files).
        if (entry === SEALED_DIR && dir.endsWith(".ledger")) continue;
        if (!(dirent.isDirectory() || (dirent.isSymbolicLink() && statSync(path).isDirectory()))) continue;
        if (entry.endsWith(".ledger")) {
          const name = relative(this.root, path).slice(0, -".ledger".length).split(sep).join("/");
          if (holdsPartition(path)) found.push(name);
        }
        walk(path);
      }
    };
    walk(this.root);
    return found.sort();
  }

  async verify(
    name: string,
    verifier: ChainVerifier,
    onProgress?: (done: number, total: number) => void,
    options: { archive?: ArchiveDirs } = {},
  ): Promise<void> {
    const run = () =>
      verifyJsonlPartition(partitionDir(this.root, name), verifier, {
        ...(onProgress ? { onProgress } : {}),
        ...(options.archive !== undefined ? { archive: options.archive } : {}),
        partition: name,
      });
    await this.holdStill(name, run);
  }

  async holdStill<T>(name: string, task: () => Promise<T>): Promise<T> {
    // This process's own writer holds off sealing meanwhile: a seal would move records under the verify.
    if (this.writable.has(name)) return await (await this.open.get(name)!).whileVerifying(task);
    return await task();
  }

  async archive(name: string, options: ArchiveOptions): Promise<ArchiveReport> {
    return await (await this.writer(name)).archive(options);
  }

  async *archivedLines(name: string, archive: ArchiveDirs): AsyncIterable<StoredLine> {
    const partition = await this.partition(name);
    yield* archivedLines(`${SEALED_DIR}/archived.jsonl of ${partition.dir}`, name, [...partition.archived], archive);
  }

  async archivedRange(name: string): Promise<ArchivedRange | undefined> {
    return rangeOf((await this.partition(name)).archived);
  }

  async damage(name: string): Promise<string | undefined> {
    const partition = await this.partition(name);
    const problems = [...partition.checkpointProblems, ...partition.manifestProblems];
    // Only its records are gone: what is left says it held some.
    if (!existsSync(join(partition.dir, "records.jsonl"))) {
      const covered = partition.latestCheckpoint?.size;
      problems.unshift(
        `${join(partition.dir, "records.jsonl")} is missing${typeof covered === "number" && covered > 0 ? ` (its checkpoints cover ${covered} records)` : ""}`,
      );
    }
    return problems.length > 0 ? problems.join("; ") : undefined;
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.open.values(), ...this.retired]);
    for (const result of all) if (result.status === "fulfilled") await result.value.close();
    this.open.clear();
  }
}
