import type pg from "pg";
import { checkPlan, MigrationError, type MigrationPlan, refuseNewer } from "./migrations.ts";

/**
 * Applies the pending migrations on a connected client, each in its own transaction. Processes
 * starting together on one database (several replicas) wait on one advisory lock instead of racing.
 */
export async function migratePostgres(client: pg.ClientBase, plan: MigrationPlan): Promise<void> {
  checkPlan(plan);
  await client.query("SELECT pg_advisory_lock(hashtext($1))", [plan.table]);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${plan.table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const applied = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${plan.table}`)).rows.map((row) =>
        Number(row.version),
      ),
    );
    refuseNewer(plan, applied);
    for (const migration of plan.migrations) {
      if (applied.has(migration.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${plan.table} (version, name, applied_at) VALUES ($1, $2, $3)`, [
          migration.version,
          migration.name,
          Date.now(),
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new MigrationError(plan.table, migration, error);
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext($1))", [plan.table]).catch(() => {});
  }
}
