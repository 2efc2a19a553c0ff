export { freePort, type RunningPostgres, startEmbeddedPostgres } from "./embedded-postgres.ts";
export { boundaryValues, type Injectable, type ProbeFinding, probeGetRoutes, probeUrls } from "./query-probe.ts";
export { type ReadOnlyDir, readOnlyDir } from "./read-only-dir.ts";
export { createTestDatabase, type Migrate, type TestDatabase } from "./test-database.ts";
