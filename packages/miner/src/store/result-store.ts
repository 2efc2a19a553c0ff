// The outbox: every finished job's proof (or fail) is written to WORK_DIR before it is sent,
// and stays "pending" until the coordinator's answer settles it. A crash or restart at any point
// loses nothing: on start the pending entries are sent again with the same Idempotency-Key, so
// a proof the coordinator accepted just before the crash is answered, not credited, twice.
//
// Layout (one directory per job, as the seed's miner.sh used):
//   WORK_DIR/<job id>/output.<ext>    the output bytes, written and fsynced first
//   WORK_DIR/<job id>/result.json     the entry, written to a temp file, fsynced, renamed
//                                     (both by @pithead/ledger's durable-file: 0600, off the event loop)
// The rename is the commit point: before it there is no entry (the job is simply unproved and
// its lease expires); after it the entry is complete.
//
// The daemon never rereads settled entries: load() indexes WORK_DIR once at start (see
// outbox-index.ts), and prune() removes settled ones past the retention a few at a time, each
// directory first renamed out of the way (WORK_DIR/.pruned-<job id>, which no scan takes for an
// entry) so a crash mid-removal leaves nothing half there; load() clears such leftovers.
//
// What a crash leaves outside that: a job folder made but never committed (the miner died, or the
// write failed, before result.json's rename) and temps of older versions (result.json.<pid>.tmp).
// load() notes them in its one pass and sweepLeftovers() removes them (see there). A new job folder
// is flushed into WORK_DIR before its first result.json is committed: without that a power cut can
// lose the folder, and the durably renamed result.json in it with it.

import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { lstat, open, opendir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { makeDirsReporting, writeFileDurably, writeFileSynced } from "@pithead/ledger";
import type { OutboxKind } from "../core/answer.ts";
import { OutboxIndex } from "./outbox-index.ts";

export type OutboxState = "pending" | "acked" | "rejected";

export interface OutboxEntry {
  version: 1;
  kind: OutboxKind;
  job_id: string;
  attempt: number;
  idempotency_key: string;
  state: OutboxState;
  created_at: string;
  /** The POST body, without the output (that is in output_file). */
  request: Record<string, unknown>;
  output_file: string | null;
  output_encoding: "utf8" | "base64" | null;
  deliveries: number;
  /** The answer that settled it (status and body), or the last failed try's error. */
  answer: { status: number | null; body: unknown } | null;
  settled_at: string | null;
}

const UUIDISH = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A directory being pruned; starts with a dot, so never a job id. */
const PRUNED_PREFIX = ".pruned-";
/** result.json files read at once while load() indexes WORK_DIR. */
const LOAD_BATCH = 64;
/**
 * The coordinator's job ids are UUIDs: only a folder so named is ever taken for a crashed job's, so
 * WORK_DIR/models (the tiny model) and whatever else an operator keeps there is never swept.
 */
const JOB_ID_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The temp name of versions before @pithead/ledger's durable-file; nothing that can hold WORK_DIR writes it now. */
const OLD_TEMP = /^result\.json\.\d+\.tmp$/;
/**
 * How old a job folder without result.json must be before it is taken for a crash's leftover. None
 * of this process's jobs is swept whatever its age (jobDir() takes a folder off the list), so this
 * is a margin, and time for the operator to look at what a crashed job left.
 */
export const LEFTOVER_AGE_MS = 60 * 60_000;
/** A filesystem that cannot fsync a directory (Windows, some network and FUSE mounts): the files stand. */
const DIR_SYNC_UNSUPPORTED = new Set(["EINVAL", "ENOTSUP", "EOPNOTSUPP", "EISDIR", "EPERM", "EBADF"]);

/** What sweepLeftovers() removed. */
export interface SweptLeftovers {
  folders: number;
  tempFiles: number;
  bytes: number;
  /** Why any could not be removed (each is dropped from the list: not retried in a loop). */
  errors: string[];
}

/** fsyncs a directory, so the entries just made in it survive a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (!DIR_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
  }
}

/** Bytes of the files under `dir` (0 when it is gone). */
async function bytesUnder(dir: string): Promise<number> {
  const dirents = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(
    dirents
      .filter((d) => d.isFile())
      .map((d) =>
        lstat(join(d.parentPath, d.name)).then(
          (s) => s.size,
          () => 0,
        ),
      ),
  );
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** The entry in a job directory's result.json text, or undefined when it is not a complete one. */
function parseEntry(jobId: string, text: string): OutboxEntry | undefined {
  try {
    const entry = JSON.parse(text) as OutboxEntry;
    return entry?.version === 1 && entry.job_id === jobId ? entry : undefined;
  } catch {
    return undefined;
  }
}

export interface NewEntry {
  kind: OutboxKind;
  jobId: string;
  attempt: number;
  request: Record<string, unknown>;
  output?: { bytes: Uint8Array; extension: string; encoding: "utf8" | "base64" };
}

export class ResultStore {
  readonly workDir: string;
  readonly #now: () => number;
  /** Built by load() (or, in a one-shot command, the first read of it) and kept by every write. */
  #index: OutboxIndex | undefined;
  /** Job folders this process made whose creation is not yet flushed into WORK_DIR. */
  readonly #unflushed = new Set<string>();
  /** Job folders load() found without result.json, not yet removed nor taken by a job. */
  readonly #unfinished = new Set<string>();
  /** Old-name temps load() found. */
  #oldTemps: string[] = [];

  constructor(workDir: string, now: () => number = Date.now) {
    this.workDir = workDir;
    this.#now = now;
    makeDirsReporting(workDir);
  }

  /** The job's directory (its scratch space and its outbox entry); job ids are checked to be plain names. */
  jobDir(jobId: string): string {
    if (!UUIDISH.test(jobId)) throw new Error(`job id ${JSON.stringify(jobId)} is not a plain name`);
    const dir = join(this.workDir, jobId);
    if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) this.#unflushed.add(jobId);
    this.#unfinished.delete(jobId);
    this.#index?.reuse(jobId);
    return dir;
  }

  /** Writes a new pending entry (output first, then result.json) and returns it. */
  async save(entry: NewEntry): Promise<OutboxEntry> {
    const dir = this.jobDir(entry.jobId);
    // Once per job: the folder's own entry in WORK_DIR must be on disk before the commit inside it.
    if (this.#unflushed.has(entry.jobId)) {
      await syncDirectory(this.workDir);
      this.#unflushed.delete(entry.jobId);
    }
    let outputFile: string | null = null;
    if (entry.output) {
      outputFile = `output.${entry.output.extension}`;
      await writeFileSynced(join(dir, outputFile), entry.output.bytes);
    }
    const saved: OutboxEntry = {
      version: 1,
      kind: entry.kind,
      job_id: entry.jobId,
      attempt: entry.attempt,
      idempotency_key: randomUUID(),
      state: "pending",
      created_at: new Date(this.#now()).toISOString(),
      request: entry.request,
      output_file: outputFile,
      output_encoding: entry.output?.encoding ?? null,
      deliveries: 0,
      answer: null,
      settled_at: null,
    };
    await this.#write(saved);
    this.#index?.track(saved);
    return saved;
  }

  async #write(entry: OutboxEntry): Promise<void> {
    const dir = this.jobDir(entry.job_id);
    await writeFileDurably(join(dir, "result.json"), `${JSON.stringify(entry, null, 2)}\n`);
  }

  /** Records one delivery try; `state` other than pending settles the entry for good. */
  async update(entry: OutboxEntry, state: OutboxState, answer: OutboxEntry["answer"]): Promise<OutboxEntry> {
    const next: OutboxEntry = {
      ...entry,
      state,
      deliveries: entry.deliveries + 1,
      answer,
      settled_at: state === "pending" ? null : new Date(this.#now()).toISOString(),
    };
    await this.#write(next);
    this.#index?.track(next);
    return next;
  }

  /**
   * Indexes WORK_DIR: one pass reading every result.json, a batch at a time, so a large history
   * does not hold up the event loop (other services share the process under `pithead up`). Call
   * it once before the daemon uses the store; directories left by a prune cut short are removed,
   * folders without result.json and old-name temps are noted for sweepLeftovers().
   */
  async load(): Promise<{ pending: number; settled: number }> {
    const index = new OutboxIndex();
    const leftovers: string[] = [];
    const oldTemps: string[] = [];
    let batch: string[] = [];
    const indexBatch = async () => {
      const listings = await Promise.all(batch.map((jobId) => readdir(join(this.workDir, jobId)).catch(() => null)));
      const committed: string[] = [];
      listings.forEach((names, i) => {
        const jobId = batch[i] as string;
        if (names === null) return;
        for (const name of names) if (OLD_TEMP.test(name)) oldTemps.push(join(this.workDir, jobId, name));
        if (names.includes("result.json")) committed.push(jobId);
        else if (JOB_ID_UUID.test(jobId)) this.#unfinished.add(jobId);
      });
      const texts = await Promise.all(
        committed.map((jobId) => readFile(join(this.workDir, jobId, "result.json"), "utf8").catch(() => "")),
      );
      texts.forEach((text, i) => {
        const entry = parseEntry(committed[i] as string, text);
        if (entry) index.track(entry);
      });
      batch = [];
    };
    for await (const dirent of await opendir(this.workDir)) {
      if (!dirent.isDirectory()) continue;
      if (dirent.name.startsWith(PRUNED_PREFIX)) leftovers.push(dirent.name);
      else if (UUIDISH.test(dirent.name)) {
        batch.push(dirent.name);
        if (batch.length >= LOAD_BATCH) await indexBatch();
      }
    }
    await indexBatch();
    for (const name of leftovers) await rm(join(this.workDir, name), { recursive: true, force: true });
    this.#index = index;
    this.#oldTemps = oldTemps;
    return { pending: index.pending.size, settled: index.settledCount };
  }

  /**
   * Removes what crashed jobs left, as load() found it: old-name temps, and job folders (named by a
   * UUID) without result.json last changed at least LEFTOVER_AGE_MS ago. A folder with a result.json
   * (pending or not, readable or not) is never touched, nor one a job of this process has taken
   * since load().
   * Younger folders stay listed for a later call (the prune loop's), so a miner restarted seconds
   * after a crash still clears them.
   */
  async sweepLeftovers(): Promise<SweptLeftovers> {
    const swept: SweptLeftovers = { folders: 0, tempFiles: 0, bytes: 0, errors: [] };
    for (const temp of this.#oldTemps.splice(0)) {
      try {
        const { size } = await lstat(temp);
        await rm(temp, { force: true });
        swept.tempFiles++;
        swept.bytes += size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT")
          swept.errors.push(`${temp}: ${(error as Error).message}`);
      }
    }
    for (const jobId of [...this.#unfinished]) {
      const dir = join(this.workDir, jobId);
      const changed = await stat(dir).then(
        (s) => s.mtimeMs,
        () => undefined,
      );
      if (changed !== undefined && this.#now() - changed < LEFTOVER_AGE_MS) continue;
      // Checked again after the await, with none from here to the rename: a job may have taken it.
      if (!this.#unfinished.delete(jobId) || changed === undefined || existsSync(join(dir, "result.json"))) continue;
      const doomed = join(this.workDir, `${PRUNED_PREFIX}${jobId}`);
      try {
        renameSync(dir, doomed);
        swept.bytes += await bytesUnder(doomed);
        await rm(doomed, { recursive: true, force: true });
        swept.folders++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT")
          swept.errors.push(`${jobId}: ${(error as Error).message}`);
      }
    }
    return swept;
  }

  /** The index; a store nobody loaded (a one-shot command) builds it with one synchronous pass. */
  #indexed(): OutboxIndex {
    if (this.#index) return this.#index;
    const index = new OutboxIndex();
    for (const entry of this.all()) index.track(entry);
    this.#index = index;
    return index;
  }

  /** The ids of the jobs whose result waits to be delivered (heartbeats list them). */
  pendingJobIds(): ReadonlySet<string> {
    return this.#indexed().pending;
  }

  /** Size of the entry's output file in bytes (undefined: it has none, or it is gone). */
  outputBytes(entry: OutboxEntry): number | undefined {
    if (entry.output_file === null) return undefined;
    try {
      return statSync(join(this.workDir, entry.job_id, entry.output_file)).size;
    } catch {
      return undefined;
    }
  }

  /** Where the entry's output is kept (for the operator), or undefined. */
  outputPath(entry: OutboxEntry): string | undefined {
    return entry.output_file === null ? undefined : join(this.workDir, entry.job_id, entry.output_file);
  }

  /** Removes a job's scratch directory when it holds no entry (a job stopped without a result). */
  discard(jobId: string): void {
    if (!UUIDISH.test(jobId)) return;
    const kept = this.read(jobId);
    if (kept) {
      // An earlier run's settled entry: retention may remove it again (jobDir() had held it back).
      this.#index?.track(kept);
      return;
    }
    rmSync(join(this.workDir, jobId), { recursive: true, force: true });
    this.#unflushed.delete(jobId);
  }

  /** The POST body as sent: the stored request plus the output, encoded as recorded. */
  body(entry: OutboxEntry): Record<string, unknown> {
    if (entry.output_file === null) return entry.request;
    const bytes = readFileSync(join(this.workDir, entry.job_id, entry.output_file));
    const encoding = entry.output_encoding ?? "base64";
    return { ...entry.request, output: bytes.toString(encoding), output_encoding: encoding };
  }

  /** The job's entry, or undefined when its directory holds no complete one. */
  read(jobId: string): OutboxEntry | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.workDir, jobId, "result.json"), "utf8");
    } catch {
      return undefined;
    }
    return parseEntry(jobId, text);
  }

  /**
   * Every entry in WORK_DIR, oldest first; a directory without a (complete) result.json is skipped.
   * Reads them all: for the operator's listing (`pithead miner results`), never the daemon's loops.
   */
  all(): OutboxEntry[] {
    const entries: OutboxEntry[] = [];
    for (const dirent of readdirSync(this.workDir, { withFileTypes: true })) {
      if (!dirent.isDirectory() || !UUIDISH.test(dirent.name)) continue;
      const entry = this.read(dirent.name);
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** The entries waiting to be delivered, oldest first; reads only theirs, never a settled one. */
  pending(): OutboxEntry[] {
    const index = this.#indexed();
    const pending: OutboxEntry[] = [];
    for (const jobId of [...index.pending]) {
      const entry = this.read(jobId);
      if (entry?.state === "pending") pending.push(entry);
      else if (entry) index.track(entry);
    }
    return pending.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /**
   * Removes the directories of results settled at least `maxAgeMs` ago, one at a time (each
   * awaited, so the event loop is never held for long), until done or `signal` aborts; a pending
   * result is never removed. Returns how many were removed and why any could not be.
   */
  async prune(maxAgeMs: number, signal?: AbortSignal): Promise<{ removed: number; errors: string[] }> {
    const index = this.#indexed();
    let removed = 0;
    const errors: string[] = [];
    for (const jobId of index.expired(this.#now(), maxAgeMs)) {
      if (signal?.aborted) break;
      // Checked again after the last await: the job may have come back to this miner meanwhile.
      // From this check to the rename nothing awaits, so no write can slip in between.
      if (!index.isExpired(jobId, this.#now(), maxAgeMs)) continue;
      index.forget(jobId);
      const doomed = join(this.workDir, `${PRUNED_PREFIX}${jobId}`);
      try {
        // The rename is the commit point: from here no scan sees the entry, and a job that comes
        // back to this miner gets a fresh directory, not one being deleted under it.
        renameSync(join(this.workDir, jobId), doomed);
        await rm(doomed, { recursive: true, force: true });
        removed++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") errors.push(`${jobId}: ${(error as Error).message}`);
      }
    }
    return { removed, errors };
  }
}
