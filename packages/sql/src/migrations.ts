// Numbered, append-only SQL migrations: `NNN_name.sql` files in a folder, applied in order, each
// recorded in the service's own `<name>_migrations` table so it runs once.
import { readdirSync, readFileSync } from "node:fs";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const fileName = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export function loadMigrations(folder: URL): Migration[] {
  return readdirSync(folder)
    .filter((file) => fileName.test(file))
    .sort()
    .map((file) => {
      const [, version = "", name = ""] = fileName.exec(file) ?? [];
      return { version: Number(version), name, sql: readFileSync(new URL(file, folder), "utf8") };
    });
}

export interface MigrationPlan {
  /** Table that remembers applied versions, e.g. `coordinator_migrations`. */
  table: string;
  migrations: readonly Migration[];
}

const tableName = /^[a-z_][a-z0-9_]*$/;

export function checkPlan(plan: MigrationPlan): void {
  if (!tableName.test(plan.table)) throw new Error(`migration table name must match ${tableName}: ${plan.table}`);
}

export class MigrationError extends Error {
  constructor(table: string, migration: Migration, cause: unknown) {
    super(
      `${table}: migration ${migration.version} (${migration.name}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = "MigrationError";
  }
}

/**
 * The database was migrated by a newer release than this one (a rollback): running on it would
 * leave the newer columns stale, so the process refuses to start rather than damage it quietly.
 */
export class NewerDatabaseError extends Error {
  constructor(table: string, unknown: readonly number[], newest: number) {
    super(
      `${table}: this database was migrated by a newer Pithead (migration ${unknown.join(", ")}; this version knows up to ${newest}): run the newer version again, or restore a backup taken before the upgrade`,
    );
    this.name = "NewerDatabaseError";
  }
}

/** Refuses applied versions this code does not know (see NewerDatabaseError). */
export function refuseNewer(plan: MigrationPlan, applied: ReadonlySet<number>): void {
  const newest = Math.max(0, ...plan.migrations.map((migration) => migration.version));
  const unknown = [...applied].filter((version) => version > newest).sort((a, b) => a - b);
  if (unknown.length > 0) throw new NewerDatabaseError(plan.table, unknown, newest);
}
