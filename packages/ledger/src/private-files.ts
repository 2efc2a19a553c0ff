// Who may read what a store writes: its owner alone. Ledger records and a coordinator's database hold
// job prompts and outputs, wallets, receipts and key hashes, and a data directory such as
// /var/lib/pithead is often 0755. So files are created 0600 and directories 0700: a umask only takes
// bits away, so these modes hold under any umask. What an older Pithead wrote under umask 022 (0644)
// is tightened when a writer opens it, if this user owns it; what cannot be tightened is a warning
// for the operator, never a refusal to start.
import { chmodSync, closeSync, openSync, readdirSync, realpathSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { sqliteFileProblem } from "@pithead/sql";
import { makeDirsReporting } from "./archive-dir-check.ts";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

const octal = (mode: number) => (mode & 0o777).toString(8);

/** mkdir -p: every directory it makes is 0700; existing ones are left as they are. */
export function makePrivateDir(dir: string): void {
  makeDirsReporting(dir);
}

/**
 * Makes each existing file that others may read 0600, if this user owns it. Missing files and
 * directories are passed over. Returns a sentence for each file left readable by others.
 */
export function tightenFiles(paths: Iterable<string>): string[] {
  const warnings: string[] = [];
  const uid = process.getuid?.();
  for (const path of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (!stat.isFile() || (stat.mode & 0o077) === 0) continue;
    const open = `${path} is readable by other users (mode ${octal(stat.mode)})`;
    if (uid !== undefined && stat.uid !== uid) {
      warnings.push(`${open} and belongs to user ${stat.uid}: run \`chmod 600 ${path}\` as that user`);
      continue;
    }
    try {
      chmodSync(path, PRIVATE_FILE_MODE);
    } catch (error) {
      warnings.push(`${open} and could not be made 0600: ${(error as Error).message}`);
    }
  }
  return warnings;
}

/** The files directly in `dir` (none when it is missing). */
export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
}

/** The file a SQLite store was told to open is something else; it was left untouched. */
export class NotASqliteDatabase extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(problem);
    this.name = "NotASqliteDatabase";
    this.path = path;
  }
}

/**
 * Before SQLite opens the database at `path` (not ":memory:"): makes its directory (0700) and the
 * file itself, empty and 0600, if missing. SQLite takes an empty file as a new database and gives the
 * -wal, -shm and -journal files it creates the database file's mode, so they are 0600 too. A database
 * and companions an older Pithead left 0644 are tightened. Returns what stays readable by others.
 */
export function preparePrivateSqlite(path: string): string[] {
  if (path === ":memory:" || path === "") return [];
  // A path that names another kind of file (--db /etc/passwd) is refused before anything is
  // made or tightened: that file keeps its mode.
  const problem = sqliteFileProblem(path);
  if (problem !== undefined) throw new NotASqliteDatabase(path, problem);
  makePrivateDir(dirname(path));
  try {
    closeSync(openSync(path, "wx", PRIVATE_FILE_MODE));
  } catch (error) {
    // An existing database is opened as it is (a reader may not be allowed to write it).
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // SQLite names its companions after the database's real path (symlinks resolved).
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // a dangling link: SQLite creates its target, with the umask's mode
  }
  return tightenFiles([real, `${real}-wal`, `${real}-shm`, `${real}-journal`]);
}
