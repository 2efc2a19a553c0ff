// The SQLite database holds every conversation and playbook, so only the agent's user may read it.
// SQLite creates its file as 0644 under the usual umask 022, and gives the -wal and -shm files the
// main file's mode: so the main file is created 0600 here before SQLite opens it, and any of them
// found open to others (written by an older Pithead, copied in) is tightened. A folder made here
// is 0700. An existing folder is tightened only when it is the agent's own (DATA_DIR): anywhere
// else it may be shared (the working directory, /srv), so it is left as it is, with a warning.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { sqliteFileProblem } from "@pithead/sql";
import { ConfigError } from "../../config/load-config.ts";

const PRIVATE_FILE = 0o600;
const PRIVATE_FOLDER = 0o700;
/** Where SQLite keeps a database's other files: the write-ahead log, its index, a rollback journal. */
const COMPANIONS = ["-wal", "-shm", "-journal"];

const openToOthers = (mode: number) => (mode & 0o077) !== 0;
const octal = (mode: number) => (mode & 0o777).toString(8);
const ours = (uid: number) => process.getuid === undefined || uid === process.getuid();

export interface PrivateDatabaseOptions {
  /** The folder is the agent's own (DATA_DIR), so an existing one is tightened to 0700 too. */
  ownFolder: boolean;
}

/**
 * Prepares `path` (a file, not ":memory:"); returns a line for each thing it could not make private.
 * Throws a ConfigError naming DATABASE_URL when the file there is not a database, touching nothing.
 */
export function preparePrivateDatabase(path: string, options: PrivateDatabaseOptions): string[] {
  // Checked before anything is tightened: a wrong file (DATABASE_URL=sqlite:////etc/passwd) stays as it was.
  const problem = sqliteFileProblem(path);
  if (problem !== undefined) throw new ConfigError("DATABASE_URL", problem);
  const warnings: string[] = [];
  const folder = dirname(path);
  if (!existsSync(folder)) {
    // Every folder made on the way gets the mode (the umask cannot widen 0700).
    mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER });
  } else {
    const stat = statSync(folder);
    if (openToOthers(stat.mode)) {
      if (options.ownFolder && ours(stat.uid)) chmodSync(folder, PRIVATE_FOLDER);
      else {
        warnings.push(
          `the database folder ${folder} is open to other users (mode ${octal(stat.mode)}); the database files are kept 0600, but \`chmod 700 ${folder}\` hides them too`,
        );
      }
    }
  }
  // "a": creates the file if missing (SQLite takes an empty file as a new database), else leaves it.
  closeSync(openSync(path, "a", PRIVATE_FILE));
  for (const file of [path, ...COMPANIONS.map((suffix) => path + suffix)]) {
    if (!existsSync(file)) continue;
    const stat = statSync(file);
    if (!openToOthers(stat.mode)) continue;
    if (ours(stat.uid)) chmodSync(file, PRIVATE_FILE);
    else {
      warnings.push(
        `the database file ${file} belongs to another user and is open to others (mode ${octal(stat.mode)}): conversations in it can be read`,
      );
    }
  }
  return warnings;
}
