import type { TestProject } from "vitest/node";
import { type RunningPostgres, startEmbeddedPostgres } from "./embedded-postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the PostgreSQL server shared by this test run. */
    pgAdminUrl: string;
  }
}

let server: RunningPostgres | undefined;

/** Starts one real PostgreSQL for the whole test run; each test file gets its own database. */
export async function setup(project: TestProject): Promise<void> {
  server = await startEmbeddedPostgres();
  project.provide("pgAdminUrl", server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
