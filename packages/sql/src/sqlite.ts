import type { DatabaseSync } from "node:sqlite";
import { checkPlan, MigrationError, type MigrationPlan, refuseNewer } from "./migrations.ts";

/** Applies the pending migrations, each in its own IMMEDIATE transaction with its bookkeeping row. */
export function migrateSqlite(db: DatabaseSync, plan: MigrationPlan): void {
  checkPlan(plan);
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${plan.table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  const applied = new Set(
    (db.prepare(`SELECT version FROM ${plan.table}`).all() as { version: number }[]).map((row) => Number(row.version)),
  );
  refuseNewer(plan, applied);
  const record = db.prepare(`INSERT INTO ${plan.table} (version, name, applied_at) VALUES (?, ?, ?)`);
  for (const migration of plan.migrations) {
    if (applied.has(migration.version)) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw new MigrationError(plan.table, migration, error);
    }
  }
}
