import { inject } from "vitest";
import { createTestDatabase, type Migrate, type TestDatabase } from "./test-database.ts";
import "./vitest-global-setup.ts";

/**
 * This test file's own PostgreSQL database on the run's shared server, cloned from the template
 * `template` migrated once by `migrate`. Use with `await using db = await pgTestDatabase(...)`
 * or call `db.drop()` in `afterAll`.
 */
export async function pgTestDatabase(template: string, migrate: Migrate): Promise<TestDatabase> {
  return await createTestDatabase(inject("pgAdminUrl"), template, migrate);
}
