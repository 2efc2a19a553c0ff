import { beforeAll, describe, expect, it } from "vitest";
import { fileCoordinator } from "../../test/support/coordinator-calls.ts";
import { pithead } from "../../test/support/run-pithead.ts";

const { data, url } = fileCoordinator("pithead-cli-result-wait-");
let env: Record<string, string>;

// After fileCoordinator's own beforeAll, which starts the coordinator.
beforeAll(async () => {
  const created = await pithead([
    "keys",
    "create",
    "--role",
    "client",
    "--wallet",
    "w",
    "--url",
    url(),
    "--data",
    data,
    "--json",
  ]);
  await pithead(["wallet", "fund", "w", "100", "--url", url(), "--data", data]);
  env = { PITHEAD_KEY: String((JSON.parse(created.stdout) as { key: string }).key), PITHEAD_URL: url() };
});

async function submitted(): Promise<string> {
  const ran = await pithead(["jobs", "submit", "--workload", "echo", "--reward", "1", "--json"], { env });
  return String((JSON.parse(ran.stdout) as { id: string }).id);
}

describe("jobs result --wait", () => {
  it("a job not finished in time: one error naming its state, no 'try --wait', exit 1", async () => {
    const id = await submitted();
    const ran = await pithead(["jobs", "result", id, "--wait", "1"], { env });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`job ${id} not finished after 1 s (QUEUED)`);
    expect(ran.stderr).toContain(`pithead jobs watch ${id}`);
    expect(ran.stderr).not.toContain("try --wait");
  });

  it("a canceled job: ✖ and the reason, exit 1", async () => {
    const id = await submitted();
    expect((await pithead(["jobs", "cancel", id], { env })).code).toBe(0);
    const ran = await pithead(["jobs", "result", id, "--wait", "5"], { env });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`✖ job ${id} CANCELED`);
    expect(ran.stderr).not.toContain("✔");
    expect(ran.stderr).toContain("canceled by the client");
  });

  it("without --wait, a queued job's error names its state", async () => {
    const id = await submitted();
    const ran = await pithead(["jobs", "result", id], { env });
    expect(ran.code).toBe(1);
    expect(ran.stderr.trim()).toBe(`error: job ${id} is QUEUED: no result yet (try --wait 60)`);
  });
});
