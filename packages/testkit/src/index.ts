export { freePort, type RunningPostgres, startEmbeddedPostgres } from "./embedded-postgres.ts";
export { createTestDatabase, type Migrate, type TestDatabase } from "./test-database.ts";
