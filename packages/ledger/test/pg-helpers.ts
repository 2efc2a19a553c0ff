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
