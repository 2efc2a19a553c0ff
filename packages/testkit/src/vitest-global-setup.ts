import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type RunningPostgres, startEmbeddedPostgres } from "./embedded-postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the PostgreSQL server shared by this test run. */
    pgAdminUrl: string;
  }
}

let server: RunningPostgres | undefined;
let runTmp: string | undefined;

/**
 * Starts one real PostgreSQL for the whole test run; each test file gets its own database. Every
 * temporary file of the run (the tests' own directories, and what the code under test puts in the
 * system's temp dir) goes under one directory removed at the end, so runs leave nothing behind.
 */
export async function setup(project: TestProject): Promise<void> {
  server = await startEmbeddedPostgres();
  // After PostgreSQL: its initdb runs as another user, who could not read a private directory.
  runTmp = mkdtempSync(join(tmpdir(), "pithead-test-"));
  process.env.TMPDIR = runTmp;
  project.provide("pgAdminUrl", server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (runTmp) rmSync(runTmp, { recursive: true, force: true });
}
