// Where an archived segment is among the archive directories a reader was given. The archive
// directory can change between runs (a new mount, a moved NAS), so one partition's segments may lie
// in several: each is looked for in the directory its manifest entry names when that one was given,
// else in each given one. A segment found in none was not checked, which is not damage: the reader
// says where it is (a directory not given, or one that is not there: an unmounted disk).
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ArchiveEntry } from "./archive-manifest.ts";

/** One archive directory, or several (an archive whose directory changed between runs). */
export type ArchiveDirs = string | readonly string[];

export function archiveDirList(dirs: ArchiveDirs): string[] {
  return typeof dirs === "string" ? [dirs] : [...dirs];
}

export type Located = { path: string } | { unavailable: string };

/**
 * The file of `entry` among `dirs` (`segmentDir` maps an archive directory to the partition's folder
 * in it), or why it cannot be read there.
 */
export function locateArchivedSegment(
  dirs: readonly string[],
  entry: ArchiveEntry,
  segmentDir: (archive: string) => string,
): Located {
  const named = resolve(entry.archive);
  const given = dirs.find((d) => resolve(d) === named);
  const order = given === undefined ? dirs : [given, ...dirs.filter((d) => d !== given)];
  for (const dir of order) {
    const path = join(segmentDir(dir), entry.name);
    if (existsSync(path)) return { path };
  }
  const what = `archived segment ${entry.name} (records ${entry.from}..${entry.to - 1})`;
  const others = dirs.filter((d) => d !== given);
  const elsewhere = others.length > 0 ? `, nor in ${others.join(", ")}` : "";
  if (given === undefined) return { unavailable: `${what} is in ${entry.archive}, which was not given${elsewhere}` };
  if (!existsSync(given))
    return { unavailable: `${what} is in ${entry.archive}, which does not exist (is it mounted?)${elsewhere}` };
  return {
    unavailable: `${what} is not in ${join(segmentDir(given), entry.name)}, where it was archived${elsewhere}: was it moved or deleted?`,
  };
}

/**
 * What a service says when the archive directory it is configured with is not the one its latest
 * archived segment went to (undefined: the same, or nothing archived yet): the archive is then split,
 * and reading or verifying all of it needs both directories.
 */
export function archiveDirChange(
  partition: string,
  lastArchive: string | undefined,
  configured: string,
): string | undefined {
  if (lastArchive === undefined || resolve(lastArchive) === resolve(configured)) return undefined;
  return (
    `ledger partition ${JSON.stringify(partition)}: its records were last archived to ${lastArchive}, and the archive directory is now ${configured}: ` +
    `new segments go to ${configured}, the older ones stay in ${lastArchive}; give both to read or verify the whole archive (--archive ${lastArchive} --archive ${configured}), or move the old segments there`
  );
}

/** A read of archived records whose segment none of the given archive directories holds: not damage. */
export class ArchiveUnavailableError extends Error {
  readonly code = "ARCHIVE_UNAVAILABLE";
  readonly partition: string;

  constructor(partition: string, why: string) {
    super(`cannot read partition ${JSON.stringify(partition)}'s archived records: ${why}`);
    this.name = "ArchiveUnavailableError";
    this.partition = partition;
  }
}
