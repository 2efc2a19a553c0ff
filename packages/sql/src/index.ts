export { checkout, openClient } from "./connections.ts";
export {
  loadMigrations,
  type Migration,
  MigrationError,
  type MigrationPlan,
  NewerDatabaseError,
  refuseNewer,
} from "./migrations.ts";
export { migratePostgres } from "./postgres.ts";
export { migrateSqlite } from "./sqlite.ts";
export { sqliteFileProblem } from "./sqlite-file.ts";
