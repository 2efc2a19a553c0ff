import { randomBytes } from "node:crypto";
import pg from "pg";

export type Migrate = (url: string) => Promise<void>;

export interface TestDatabase extends AsyncDisposable {
  /** Connection URL of this test file's own database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Hands the caller a fresh database cloned from a migrated template, as graphile-worker's tests do:
 * the first caller for `template` creates and migrates `tpl_<template>` (under an advisory lock, so
 * parallel test files do it once), every caller then gets `CREATE DATABASE … TEMPLATE tpl_<template>`,
 * which copies files instead of replaying migrations.
 */
export async function createTestDatabase(adminUrl: string, template: string, migrate: Migrate): Promise<TestDatabase> {
  if (!/^[a-z0-9_]+$/.test(template)) throw new Error(`template name must match [a-z0-9_]+: ${template}`);
  const templateName = `tpl_${template}`;
  const name = `t_${template}_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, async (admin) => {
    await admin.query("SELECT pg_advisory_lock(hashtext($1))", [templateName]);
    try {
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [templateName]);
      if (exists.rowCount === 0) {
        await admin.query(`CREATE DATABASE ${templateName}`);
        try {
          await migrate(withDatabase(adminUrl, templateName));
        } catch (error) {
          await admin.query(`DROP DATABASE ${templateName} WITH (FORCE)`);
          throw error;
        }
      }
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateName}`);
    } finally {
      await admin.query("SELECT pg_advisory_unlock(hashtext($1))", [templateName]);
    }
  });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  return { url: withDatabase(adminUrl, name), name, drop, [Symbol.asyncDispose]: drop };
}
