export { checkout, openClient } from "./connections.ts";
export {
  loadMigrations,
  type Migration,
  MigrationError,
  type MigrationPlan,
  NewerDatabaseError,
} from "./migrations.ts";
export { migratePostgres } from "./postgres.ts";
export { migrateSqlite } from "./sqlite.ts";
