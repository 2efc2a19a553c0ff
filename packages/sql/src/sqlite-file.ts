// Whether a file a store is told to open is a SQLite database, asked before anything touches it:
// a mistyped path (DATABASE_URL=sqlite:////etc/passwd, --db /etc/passwd) was made 0600 by the
// store's private-file step before SQLite said "file is not a database".
import { closeSync, openSync, readSync, statSync } from "node:fs";

/** The first 16 bytes of every SQLite database file (sqlite.org/fileformat.html). */
const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/**
 * Why the existing `path` is not a SQLite database, or undefined: it is one, it is empty (SQLite
 * takes an empty file as a new database) or it is not there.
 */
export function sqliteFileProblem(path: string): string | undefined {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) return `${path} is not a file`;
  if (stat.size === 0) return undefined;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head.equals(SQLITE_HEADER)
    ? undefined
    : `${path} is not a SQLite database (it does not begin with SQLite's header); it is left as it was`;
}
