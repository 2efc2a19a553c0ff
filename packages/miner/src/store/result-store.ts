// The outbox: every finished job's proof (or fail) is written to WORK_DIR before it is sent,
// and stays "pending" until the coordinator's answer settles it. A crash or restart at any point
// loses nothing: on start the pending entries are sent again with the same Idempotency-Key, so
// a proof the coordinator accepted just before the crash is answered, not credited, twice.
//
// Layout (one directory per job, as the seed's miner.sh used):
//   WORK_DIR/<job id>/output.<ext>    the output bytes, written and fsynced first
//   WORK_DIR/<job id>/result.json     the entry, written to a temp file, fsynced, renamed
// The rename is the commit point: before it there is no entry (the job is simply unproved and
// its lease expires); after it the entry is complete.

import { randomUUID } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { OutboxKind } from "../core/answer.ts";

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

function writeDurably(file: string, data: Uint8Array | string): void {
  const fd = openSync(file, "w", 0o600);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
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
  /** Jobs with a pending entry, kept up to date by save/update once read (heartbeats list them). */
  #pendingIds: Set<string> | undefined;

  constructor(workDir: string, now: () => number = Date.now) {
    this.workDir = workDir;
    this.#now = now;
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
  }

  /** The job's directory (its scratch space and its outbox entry); job ids are checked to be plain names. */
  jobDir(jobId: string): string {
    if (!UUIDISH.test(jobId)) throw new Error(`job id ${JSON.stringify(jobId)} is not a plain name`);
    const dir = join(this.workDir, jobId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** Writes a new pending entry (output first, then result.json) and returns it. */
  save(entry: NewEntry): OutboxEntry {
    const dir = this.jobDir(entry.jobId);
    let outputFile: string | null = null;
    if (entry.output) {
      outputFile = `output.${entry.output.extension}`;
      writeDurably(join(dir, outputFile), entry.output.bytes);
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
    this.#write(saved);
    this.#pendingIds?.add(saved.job_id);
    return saved;
  }

  #write(entry: OutboxEntry): void {
    const dir = this.jobDir(entry.job_id);
    const temp = join(dir, `result.json.${process.pid}.tmp`);
    writeDurably(temp, `${JSON.stringify(entry, null, 2)}\n`);
    renameSync(temp, join(dir, "result.json"));
    fsyncDir(dir);
  }

  /** Records one delivery try; `state` other than pending settles the entry for good. */
  update(entry: OutboxEntry, state: OutboxState, answer: OutboxEntry["answer"]): OutboxEntry {
    const next: OutboxEntry = {
      ...entry,
      state,
      deliveries: entry.deliveries + 1,
      answer,
      settled_at: state === "pending" ? null : new Date(this.#now()).toISOString(),
    };
    this.#write(next);
    if (state !== "pending") this.#pendingIds?.delete(next.job_id);
    return next;
  }

  /** The ids of the jobs whose result waits to be delivered (read from WORK_DIR once, then kept). */
  pendingJobIds(): ReadonlySet<string> {
    if (!this.#pendingIds) this.pending();
    return this.#pendingIds ?? new Set();
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
    if (!UUIDISH.test(jobId) || this.read(jobId)) return;
    rmSync(join(this.workDir, jobId), { recursive: true, force: true });
  }

  /** The POST body as sent: the stored request plus the output, encoded as recorded. */
  body(entry: OutboxEntry): Record<string, unknown> {
    if (entry.output_file === null) return entry.request;
    const bytes = readFileSync(join(this.workDir, entry.job_id, entry.output_file));
    const encoding = entry.output_encoding ?? "base64";
    return { ...entry.request, output: bytes.toString(encoding), output_encoding: encoding };
  }

  read(jobId: string): OutboxEntry | undefined {
    try {
      return JSON.parse(readFileSync(join(this.workDir, jobId, "result.json"), "utf8")) as OutboxEntry;
    } catch {
      return undefined;
    }
  }

  /** Every entry in WORK_DIR, oldest first; a directory without a (complete) result.json is skipped. */
  all(): OutboxEntry[] {
    const entries: OutboxEntry[] = [];
    for (const dirent of readdirSync(this.workDir, { withFileTypes: true })) {
      if (!dirent.isDirectory() || !UUIDISH.test(dirent.name)) continue;
      const entry = this.read(dirent.name);
      if (entry?.version === 1 && entry.job_id === dirent.name) entries.push(entry);
    }
    return entries.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  pending(): OutboxEntry[] {
    const pending = this.all().filter((entry) => entry.state === "pending");
    this.#pendingIds = new Set(pending.map((entry) => entry.job_id));
    return pending;
  }

  /** Removes settled job directories older than `maxAgeMs`; pending ones are never removed. */
  prune(maxAgeMs: number): number {
    let removed = 0;
    for (const entry of this.all()) {
      if (entry.state === "pending" || entry.settled_at === null) continue;
      if (this.#now() - Date.parse(entry.settled_at) < maxAgeMs) continue;
      rmSync(join(this.workDir, entry.job_id), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}
