import { describe, expect, it } from "vitest";
import { fileCoordinator } from "../../test/support/coordinator-calls.ts";
import { pithead } from "../../test/support/run-pithead.ts";

const { data, url } = fileCoordinator("pithead-cli-job-not-found-");

async function clientKey(wallet: string): Promise<string> {
  const created = await pithead([
    "keys",
    "create",
    "--role",
    "client",
    "--wallet",
    wallet,
    "--url",
    url(),
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
      ["jobs", "submit", "--workload", "my_work", "--reward", "0", "--url", url(), "--json"],
      { env: { PITHEAD_KEY: owner } },
    );
    const id = (JSON.parse(submitted.stdout) as { id: string }).id;
    const own = await pithead(["jobs", "get", id, "--url", url()], { env: { PITHEAD_KEY: owner } });
    expect(own.stdout).toContain(id);

    const refused = await pithead(["jobs", "get", id.toUpperCase(), "--url", url()], {
      env: { PITHEAD_KEY: other },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `error: No such job [JOB_NOT_FOUND]: job ${id} is not one this key can see (a client key sees only the jobs it submitted); the key used came from PITHEAD_KEY`,
    );
  });
});
