// `pithead jobs result ID --output FILE`: a job whose miner sent only its hash used to print
// "output written to FILE" and write nothing; a FILE that cannot be written crashed with Node's
// ENOENT line. Now: nothing to write is exit 1 saying so; an unwritable FILE is exit 2 naming why.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fileCoordinator } from "../../test/support/coordinator-calls.ts";
import { pithead } from "../../test/support/run-pithead.ts";

const { dir, data, url, call, keyOf } = fileCoordinator("pithead-cli-result-output-");
let env: Record<string, string>;
let minerKey: string;

/** A job completed by a miner that sends `output` inline, or only its hash. */
async function completed(output: string | null): Promise<string> {
  const submitted = await pithead(["jobs", "submit", "--workload", "echo", "--reward", "1", "--json"], { env });
  const id = String((JSON.parse(submitted.stdout) as { id: string }).id);
  const leased = await call("/v1/miner/next?miner=rig&slots=1", minerKey);
  expect(leased.id).toBe(id);
  const sha = createHash("sha256")
    .update(output ?? "kept by the miner")
    .digest("hex");
  const proof = await call("/v1/miner/proof", minerKey, {
    id,
    mode: "cpu",
    output_sha: sha,
    metrics: {},
    ...(output === null ? {} : { output }),
  });
  expect(proof.state).toBe("COMPLETED");
  return id;
}

// After fileCoordinator's own beforeAll, which starts the coordinator.
beforeAll(async () => {
  const clientKey = await keyOf("--role", "client", "--wallet", "w");
  await pithead(["wallet", "fund", "w", "100", "--url", url(), "--data", data]);
  env = { PITHEAD_KEY: clientKey, PITHEAD_URL: url() };
  minerKey = await keyOf("--role", "miner");
  await call("/v1/miner/heartbeat", minerKey, {
    miner_id: "rig",
    wallet: "rig-wallet",
    mode: "cpu",
    gpu: 0,
    capabilities: { workloads: ["echo"] },
  });
});

describe("jobs result --output", () => {
  it("writes an inline output to the file", async () => {
    const id = await completed("hello");
    const file = join(dir, "hello.txt");
    const ran = await pithead(["jobs", "result", id, "--output", file], { env });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(`output written to ${file}`);
    expect(readFileSync(file, "utf8")).toBe("hello");
  });

  it("a job with no inline output: says nothing was written, exit 1, no file", async () => {
    const id = await completed(null);
    const file = join(dir, "none.txt");
    const ran = await pithead(["jobs", "result", id, "--output", file], { env });
    expect(ran.code).toBe(1);
    expect(ran.stdout).not.toContain("output written");
    expect(ran.stderr).toContain(`has no inline output (its miner sent only output_sha): nothing written to ${file}`);
    expect(existsSync(file)).toBe(false);
  });

  it("a file in a folder that is not there: exit 2 naming the folder, no stack trace", async () => {
    const id = await completed("hi");
    const file = join(dir, "missing", "out.txt");
    const ran = await pithead(["jobs", "result", id, "--output", file], { env });
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim()).toBe(`error: cannot write --output ${file}: ${join(dir, "missing")} does not exist`);
  });
});
