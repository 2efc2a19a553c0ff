// Sealed segments of a JSONL partition: `sealed/<from>-<to>.jsonl.gz` holds records from..to-1,
// byte for byte as they were in records.jsonl, gzip-compressed. records.jsonl then starts at the
// last segment's end (its first line's seq says where). Offsets in index.bin are logical: those of
// the whole stream (segments then the live file), so the caches keep their meaning.
import { readdirSync, readFileSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzip, gunzipSync } from "node:zlib";
import { MAX_RECORD_BYTES } from "./record.ts";
import { recordLineLayout } from "./record-line.ts";

export const SEALED_DIR = "sealed";

/**
 * A segment's gzip level. Level 3: on fleet telemetry 6.9x at 142 MB/s against level 6's 7.9x at
 * 75 MB/s; a 10,000-miner fleet seals about every cycle, beside it.
 */
export const SEGMENT_GZIP_LEVEL = 3;

export interface Segment {
  /** first seq held */
  from: number;
  /** seq after the last one held (exclusive) */
  to: number;
  /** file name within sealed/ */
  name: string;
  path: string;
}

const NAME = /^(\d{12})-(\d{12})\.jsonl\.gz$/;

export function segmentName(from: number, to: number): string {
  return `${String(from).padStart(12, "0")}-${String(to).padStart(12, "0")}.jsonl.gz`;
}

/** The segments in `<partition dir>/sealed/`, by first seq (temp files and other names are ignored). */
export function listSegments(dir: string): Segment[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, SEALED_DIR));
  } catch (error) {
    // No segments yet; or a file where sealed/ goes (it holds none: the next seal fails and says so).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
  const out: Segment[] = [];
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match) continue;
    const from = Number(match[1]);
    const to = Number(match[2]);
    if (to > from) out.push({ from, to, name, path: join(dir, SEALED_DIR, name) });
  }
  return out.sort((a, b) => a.from - b.from || a.to - b.to);
}

/** `sealed/<name>`, as reports name a segment. */
export function segmentLabel(segment: Segment): string {
  return `${SEALED_DIR}/${segment.name}`;
}

/**
 * The seq of the first line of an open records file, if it has a complete record line there
 * (undefined: empty, or not a record line). Reads at most one record's worth of bytes.
 */
export function firstSeqOf(fd: number): number | undefined {
  let size = 64 * 1024;
  for (;;) {
    const buf = Buffer.allocUnsafe(size);
    const read = readSync(fd, buf, 0, size, 0);
    const nl = buf.subarray(0, read).indexOf(0x0a);
    if (nl >= 0) {
      const layout = recordLineLayout(buf, 0, nl);
      return typeof layout === "string" ? undefined : layout.seq;
    }
    if (read < size || size > MAX_RECORD_BYTES) return undefined;
    size = MAX_RECORD_BYTES + 2;
  }
}

/**
 * The segments a reader uses, in order, below where the live file starts: one overlapping it (a seal
 * cut short) is ignored, and of segments starting at the same record the longest is used (a shorter
 * one is such a leftover too), so no record is read from two files. A gap stays a gap (verify names it).
 */
export function segmentsBelow(segments: readonly Segment[], liveFrom: number): Segment[] {
  const out: Segment[] = [];
  for (const segment of segments) {
    if (segment.to > liveFrom) continue;
    const last = out.at(-1);
    if (last && segment.from === last.from) out[out.length - 1] = segment;
    else if (!last || segment.from >= last.to) out.push(segment);
  }
  return out;
}

/** The segment (of ordered, non-overlapping ones) holding record `seq`, if any: a day of a large fleet is a thousand. */
export function segmentHolding(segments: readonly Segment[], seq: number): Segment | undefined {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const segment = segments[mid]!;
    if (seq < segment.from) hi = mid - 1;
    else if (seq >= segment.to) lo = mid + 1;
    else return segment;
  }
  return undefined;
}

const CACHE_IDLE_MS = 15_000;
/** Captured at load so that a host's fake timers neither keep nor drop the cache. */
const later = globalThis.setTimeout;
const cancel = globalThis.clearTimeout;

/**
 * Decompressed segments, the last two kept: reads of old records are rare and sequential (paging,
 * replay, export), so a point read pays one decompression of its segment and its neighbours are then free.
 */
export class SegmentCache {
  private readonly kept: { path: string; data: Buffer }[] = [];
  /** Decompressed segments are up to sealBytes each: a long-running service lets them go once idle. */
  private idle: ReturnType<typeof setTimeout> | undefined;

  private remember(path: string, data: Buffer): Buffer {
    this.kept.unshift({ path, data });
    if (this.kept.length > 2) this.kept.pop();
    return data;
  }

  private cached(path: string): Buffer | undefined {
    if (this.idle) cancel(this.idle);
    this.idle = later(() => this.clear(), CACHE_IDLE_MS);
    this.idle.unref();
    return this.kept.find((k) => k.path === path)?.data;
  }

  /** Decompressed off the event loop's thread. */
  async get(segment: Segment): Promise<Buffer> {
    const hit = this.cached(segment.path);
    if (hit) return hit;
    const data = await gunzipFile(segment.path);
    return this.cached(segment.path) ?? this.remember(segment.path, data);
  }

  clear(): void {
    if (this.idle) cancel(this.idle);
    this.idle = undefined;
    this.kept.length = 0;
  }
}

export async function gunzipFile(path: string): Promise<Buffer> {
  const compressed = await readFile(path);
  return await new Promise((resolve, reject) =>
    gunzip(compressed, (error, data) => (error ? reject(error) : resolve(data))),
  );
}

/** The same, on this thread (a verify worker, or a writer's open cleaning up after a crash). */
export function gunzipFileSync(path: string): Buffer {
  return gunzipSync(readFileSync(path));
}
