// `pithead jobs get <id>` with a key other than the one that submitted the job said only "No such
// job": the job is there, but a client key sees only its own. The error now says so, names the
// job, and says where the key came from (a wrong PITHEAD_KEY is the usual cause).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pithead } from "../../test/support/run-pithead.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-job-not-found-"));
const data = join(dir, "coordinator");
let coordinator: RunningCoordinator;

beforeAll(async () => {
  coordinator = await startCoordinator({ flags: { port: "0", dataDir: data }, env: {}, logger: false, sweeper: false });
});
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function clientKey(wallet: string): Promise<string> {
  const created = await pithead([
    "keys",
    "create",
    "--role",
    "client",
    "--wallet",
    wallet,
    "--url",
    coordinator.url,
    "--data",
    data,
    "--json",
  ]);
  return (JSON.parse(created.stdout) as { key: string }).key;
}

describe("a job this key cannot see", () => {
  it("is named in the error, which says a client key sees only its own jobs and where the key came from", async () => {
    const owner = await clientKey("owner-wallet");
    const other = await clientKey("other-wallet");
    const submitted = await pithead(
      ["jobs", "submit", "--workload", "my_work", "--reward", "0", "--url", coordinator.url, "--json"],
      { env: { PITHEAD_KEY: owner } },
    );
    const id = (JSON.parse(submitted.stdout) as { id: string }).id;
    const own = await pithead(["jobs", "get", id, "--url", coordinator.url], { env: { PITHEAD_KEY: owner } });
    expect(own.stdout).toContain(id);

    const refused = await pithead(["jobs", "get", id.toUpperCase(), "--url", coordinator.url], {
      env: { PITHEAD_KEY: other },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `error: No such job [JOB_NOT_FOUND]: job ${id} is not one this key can see (a client key sees only the jobs it submitted); the key used came from PITHEAD_KEY`,
    );
  });
});
