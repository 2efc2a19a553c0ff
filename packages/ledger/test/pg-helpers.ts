// Migrating a test database (the template pgTestDatabase clones per test file).
import pg from "pg";
import { migratePostgresLedger } from "../src/index.ts";

export async function migrateUrl(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migratePostgresLedger(client);
  } finally {
    await client.end();
  }
}

/**
 * A pool for a test database. The database is dropped (WITH FORCE) as the test ends, which can
 * reach a client still closing after `pool.end()` resolved: that "terminating connection" is the
 * teardown, not a failure of the test, so each client listens for it.
 */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("connect", (client) => client.on("error", () => {}));
  pool.on("error", () => {});
  return pool;
}
