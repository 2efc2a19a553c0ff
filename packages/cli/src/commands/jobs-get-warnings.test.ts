// `pithead jobs get` of a queued job no online miner can take said only "QUEUED", so the operator
// waited for it until its ttl. It now prints the coordinator's warning, naming the constraint.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coordinatorCalls } from "../../test/support/coordinator-calls.ts";
import { pithead } from "../../test/support/run-pithead.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-cli-jobs-warnings-"));
const data = join(dir, "coordinator");
let coordinator: RunningCoordinator;
const { call, keyOf } = coordinatorCalls(() => coordinator.url, data);

beforeAll(async () => {
  coordinator = await startCoordinator({ flags: { port: "0", dataDir: data }, env: {}, logger: false, sweeper: false });
});
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("jobs get of a job no online miner can take", () => {
  it("prints the coordinator's warning naming the constraint on stderr, the job on stdout", async () => {
    const clientKey = await keyOf("--role", "client", "--wallet", "w");
    await pithead(["wallet", "fund", "w", "1000", "--url", coordinator.url, "--data", data]);
    const minerKey = await keyOf("--role", "miner");
    await call("/v1/miner/heartbeat", minerKey, {
      miner_id: "rig-small",
      wallet: "w-rig",
      mode: "gpu",
      gpu: 1,
      capabilities: { workloads: ["echo"], gpus: [{ name: "T4", memory_mb: 8192 }] },
    });
    const env = { PITHEAD_KEY: clientKey, PITHEAD_URL: coordinator.url };
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
