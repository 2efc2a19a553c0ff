// Verifying the archived prefix of a JSONL partition (records moved to an archive, listed in
// sealed/archived.jsonl). Without the archive, the chain and the tree continue from the manifest's
// last line (its last_hash and frontier), and the checkpoints after it vouch for that line; with the
// archive, each archived segment is checked against the manifest's sha256 and fed to the chain from
// record 0, as if it had never left.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import { type ArchiveDirs, archiveDirList, locateArchivedSegment } from "./archive-locate.ts";
import { type ArchiveEntry, entryFrontier, MANIFEST_NAME, type Manifest } from "./archive-manifest.ts";
import type { ChainVerifier } from "./chain-verifier.ts";
import { archivedSegmentDir, sha256Hex } from "./jsonl-archive.ts";
import { scanGzipFiles } from "./scan-lines.ts";
import { SEALED_DIR, type Segment } from "./sealed-segments.ts";

/**
 * A partition's name as its checkpoints sign it: the longest tail of its directory's path (without
 * `.ledger`) that the latest checkpoint's origin (`<signer origin>/<partition>`) ends with; else the
 * directory's own name. A partition directory alone does not say where its store's root is.
 */
export function partitionNameOf(dir: string): string {
  const parts = resolve(dir)
    .split(sep)
    .filter((p) => p.length > 0);
  parts[parts.length - 1] = parts.at(-1)!.replace(/\.ledger$/, "");
  let origin: string | undefined;
  try {
    const lines = readFileSync(join(dir, "checkpoints.jsonl"), "utf8").trim().split("\n");
    origin = (JSON.parse(lines.at(-1)!) as { origin?: string }).origin;
  } catch {
    origin = undefined;
  }
  if (typeof origin === "string") {
    for (let k = parts.length - 1; k >= 1; k--) {
      const name = parts.slice(-k).join("/");
      if (origin.endsWith(`/${name}`)) return name;
    }
  }
  return parts.at(-1)!;
}

/** Where this partition's archived segment `entry` is under `archive`: its name's path, else a tail of its directory's that holds it. */
function archivedDirOf(
  archive: string,
  dir: string | undefined,
  partition: string | undefined,
  entry: ArchiveEntry,
): string {
  if (partition !== undefined || dir === undefined) return archivedSegmentDir(archive, partition ?? "");
  const named = archivedSegmentDir(archive, partitionNameOf(dir));
  if (existsSync(join(named, entry.name))) return named;
  const parts = resolve(dir)
    .split(sep)
    .filter((p) => p.length > 0);
  parts[parts.length - 1] = parts.at(-1)!.replace(/\.ledger$/, "");
  for (let k = 1; k < parts.length; k++) {
    const candidate = join(archive, ...parts.slice(-k));
    if (existsSync(join(candidate, entry.name))) return candidate;
  }
  return named;
}

export interface ArchivedFeed {
  /** the archived segments read (for the citation pass) */
  read: Segment[];
}

type Check = { entry: ArchiveEntry; path: string; problem?: string; unavailable?: string };

/**
 * Feeds the archived prefix: from the archive when `archive` is given (one directory or several: see
 * archive-locate.ts), else by continuing from the manifest. A segment found in none of the given
 * directories is not checked and not damage: the chain continues past it from the manifest, and the
 * report's `archived.unavailable` says where it is. `accept` feeds one segment's inspected lines (the caller's, which names the file). `dir`:
 * a JSONL partition's directory (its name, when `partition` is not given, is found from it); an SQL
 * store gives `partition` and its table as `manifestLabel`.
 */
export async function feedArchivedPrefix(
  dir: string | undefined,
  manifest: Pick<Manifest, "entries" | "problems" | "boundary">,
  verifier: ChainVerifier,
  options: { archive?: ArchiveDirs; partition?: string; parallel?: boolean; manifestLabel?: string },
  accept: (segment: Segment, label: string, found: Parameters<Parameters<typeof scanGzipFiles>[1]>[1]) => void,
): Promise<ArchivedFeed> {
  const manifestLabel = options.manifestLabel ?? `${SEALED_DIR}/${MANIFEST_NAME}`;
  for (const problem of manifest.problems) verifier.flag(manifest.boundary, problem);
  const entries = manifest.entries;
  const last = entries.at(-1);
  if (!last) return { read: [] };
  const boundary = last.to;
  const when =
    entries[0]!.archived_at === last.archived_at ? last.archived_at : `${entries[0]!.archived_at}..${last.archived_at}`;
  const where = [...new Set(entries.map((e) => e.archive))].join(", ");
  if (options.archive === undefined) {
    const skipped = verifier.continueFrom(
      boundary,
      Buffer.from(last.last_hash, "hex"),
      entryFrontier(last),
      true,
      manifestLabel,
    );
    verifier.noteArchived(boundary, false);
    verifier.warn(
      `records 0..${boundary - 1} are archived (moved to ${where} on ${when}; see ${manifestLabel}) and were not checked here: ` +
        `the chain and the tree continue from the manifest, which the checkpoints after it vouch for; verify with the archive (--archive DIR) to check them`,
    );
    if (skipped > 0) {
      verifier.warn(
        `${skipped} stored checkpoint${skipped === 1 ? "" : "s"} below record ${boundary} cover only archived records: checked only with the archive`,
      );
    }
    return { read: [] };
  }
  const dirs = archiveDirList(options.archive);
  const checks = entries.map((entry): Check => {
    const range = `records ${entry.from}..${entry.to - 1} are not checked`;
    const found = locateArchivedSegment(dirs, entry, (archive) =>
      archivedDirOf(archive, dir, options.partition, entry),
    );
    if ("unavailable" in found) return { entry, path: "", unavailable: `${found.unavailable}: ${range}` };
    const { path } = found;
    const sha = sha256Hex(readFileSync(path));
    if (sha === entry.sha256) return { entry, path };
    return {
      entry,
      path,
      problem: `archived segment ${path} was altered: its sha256 ${sha.slice(0, 16)}… is not the ${entry.sha256.slice(0, 16)}… ${manifestLabel} gives; ${range}`,
    };
  });
  const good = checks.filter((c) => c.problem === undefined && c.unavailable === undefined);
  const unavailable = checks.flatMap((c) => (c.unavailable === undefined ? [] : [c.unavailable]));
  let at = 0;
  // Bad segments before the next good one (or all remaining): named, and the chain continues past them from the manifest.
  const passBad = (until: (typeof checks)[number] | undefined) => {
    while (at < checks.length && checks[at] !== until) {
      const { entry, problem } = checks[at++]!;
      // Not found: unread (a citation of one of its records may point there), not damage.
      if (problem !== undefined) verifier.flag(entry.from, problem);
      verifier.continueFrom(
        entry.to,
        Buffer.from(entry.last_hash, "hex"),
        entryFrontier(entry),
        problem === undefined,
        manifestLabel,
      );
    }
  };
  const read: Segment[] = [];
  await scanGzipFiles(
    good.map((c) => c.path),
    (i, found) => {
      const check = good[i]!;
      passBad(check);
      at++;
      const { entry, path } = check;
      const segment: Segment = { from: entry.from, to: entry.to, name: entry.name, path };
      read.push(segment);
      const problems = verifier.problemCount;
      accept(segment, path, found);
      const state = verifier.state();
      const matches =
        state.lastHash === entry.last_hash &&
        state.frontier.nodes.length === entry.frontier.length &&
        state.frontier.nodes.every((n, k) => n.toString("hex") === entry.frontier[k]);
      if (verifier.nextSeq === entry.to && verifier.problemCount === problems && !matches) {
        verifier.flag(
          entry.to - 1,
          `${manifestLabel}'s line for ${entry.name} does not match the archived records (its last_hash or frontier differs): the manifest was altered`,
        );
      }
      if (verifier.nextSeq !== entry.to || verifier.problemCount !== problems) {
        // Realign on the manifest, so the records after this segment are checked under their own seqs.
        verifier.continueFrom(
          entry.to,
          Buffer.from(entry.last_hash, "hex"),
          entryFrontier(entry),
          false,
          manifestLabel,
        );
      }
    },
    options.parallel ?? false,
  );
  passBad(undefined);
  verifier.noteArchived(boundary, unavailable.length === 0, unavailable);
  for (const why of unavailable) verifier.warn(`cannot check: ${why}`);
  return { read };
}
