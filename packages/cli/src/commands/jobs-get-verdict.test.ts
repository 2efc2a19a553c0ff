// `pithead jobs get` of a replicated job: a lease whose proof disagreed with the quorum showed as
// plain "PROVED", like the paid ones. It now says it disagreed and was not paid.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fileCoordinator } from "../../test/support/coordinator-calls.ts";
import { pithead } from "../../test/support/run-pithead.ts";

const { data, url, call, keyOf } = fileCoordinator("pithead-cli-jobs-verdict-");

describe("jobs get of a replicated job", () => {
  it("marks the lease whose output disagreed with the quorum as not paid", async () => {
    const clientKey = await keyOf("--role", "client", "--wallet", "w");
    await pithead(["wallet", "fund", "w", "1000", "--url", url(), "--data", data]);
    const env = { PITHEAD_KEY: clientKey, PITHEAD_URL: url() };
    const submitted = await pithead(
      ["jobs", "submit", "--workload", "echo", "--reward", "10", "--replicas", "3", "--quorum", "2", "--json"],
      { env },
    );
    const id = String((JSON.parse(submitted.stdout) as { id: string }).id);
    for (const [miner, output] of [
      ["rig-a", "same"],
      ["rig-b", "other"],
      ["rig-c", "same"],
    ] as const) {
      const key = await keyOf("--role", "miner");
      await call("/v1/miner/heartbeat", key, {
        miner_id: miner,
        wallet: `w-${miner}`,
        mode: "cpu",
        gpu: 0,
        capabilities: { workloads: ["echo"] },
      });
      expect((await call(`/v1/miner/next?miner=${miner}&slots=1`, key)).id).toBe(id);
      const sha = createHash("sha256").update(output).digest("hex");
      await call("/v1/miner/proof", key, { id, mode: "cpu", output_sha: sha, metrics: {} });
    }

    const ran = await pithead(["jobs", "get", id], { env });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("COMPLETED");
    expect(ran.stdout).toContain("  lease 1 rig-b PROVED: its output_sha disagreed with the quorum (not paid)");
    expect(ran.stdout).toMatch(/ {2}lease 1 rig-a PROVED$/m);
  });
});
