import { describe, expect, it } from "vitest";
import { fileCoordinator } from "../../test/support/coordinator-calls.ts";
import { pithead } from "../../test/support/run-pithead.ts";

const { data, url, call, keyOf } = fileCoordinator("pithead-cli-jobs-warnings-");

describe("jobs get of a job no online miner can take", () => {
  it("prints the coordinator's warning naming the constraint on stderr, the job on stdout", async () => {
    const clientKey = await keyOf("--role", "client", "--wallet", "w");
    await pithead(["wallet", "fund", "w", "1000", "--url", url(), "--data", data]);
    const minerKey = await keyOf("--role", "miner");
    await call("/v1/miner/heartbeat", minerKey, {
      miner_id: "rig-small",
      wallet: "w-rig",
      mode: "gpu",
      gpu: 1,
      capabilities: { workloads: ["echo"], gpus: [{ name: "T4", memory_mb: 8192 }] },
    });
    const env = { PITHEAD_KEY: clientKey, PITHEAD_URL: url() };
    const submitted = await pithead(
      ["jobs", "submit", "--workload", "echo", "--reward", "10", "--min-vram", "24000", "--json"],
      { env },
    );
    const id = String((JSON.parse(submitted.stdout) as { id: string }).id);

    const ran = await pithead(["jobs", "get", id], { env });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("QUEUED");
    expect(ran.stderr).toMatch(
      /^warning: .*none meets the job's constraints: needs min_vram_mb 24000 \(the largest online is 8192\)/m,
    );
    const json = await pithead(["jobs", "get", id, "--json"], { env });
    expect((JSON.parse(json.stdout) as { warnings: { code: string }[] }).warnings[0]?.code).toBe(
      "NO_MINER_MEETS_CONSTRAINTS",
    );
  });
});
