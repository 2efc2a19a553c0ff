// The `pithead` commands that talk to a coordinator, run as real processes against a real server:
// keys, wallet, jobs (submit --wait follows the job's event stream), receipt verify.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorClient } from "../src/client.ts";
import { startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";
import { runMiner } from "./support/miner-loop.ts";

const cli = resolve(import.meta.dirname, "../../cli/bin/pithead.js");
let coordinator: TestCoordinator;

async function pithead(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

describe("pithead CLI against a coordinator", () => {
  it("creates keys and funds wallets with the admin key from <data>/admin.key", async () => {
    const admin = { "--url": coordinator.url, "--data": coordinator.dir.path };
    const flags = Object.entries(admin).flat();
    const [created, funded] = await Promise.all([
      pithead(["keys", "create", "--role", "client", "--wallet", "cli_wallet", "--json", ...flags]),
      pithead(["wallet", "fund", "cli_wallet", "5000", "--json", ...flags]),
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ role: "client", wallet: "cli_wallet" });
    expect(funded.code).toBe(0);
    expect(JSON.parse(funded.stdout)).toEqual({ address: "cli_wallet", balance: 5000 });
    const listed = await pithead(["keys", "list", ...flags]);
    expect(listed.stdout).toContain("wallet=cli_wallet");
    expect(listed.stdout).not.toContain(JSON.parse(created.stdout).key);
  });

  it("submits a job, waits for it, and verifies its receipt against the published key", async () => {
    const client = await coordinator.client(1_000);
    const minerKey = await coordinator.key("miner");
    const api = new CoordinatorClient(coordinator.url, minerKey.key);
    await api.request("POST", "/v1/miner/heartbeat", {
      body: { miner_id: "cli-miner", wallet: "cli_miner_w", mode: "cpu", gpu: 0 },
    });
    const miner = runMiner(api, "cli-miner", { waitS: 1 });
    const submitted = await pithead(
      [
        "jobs",
        "submit",
        "--workload",
        "torch_bench",
        "--reward",
        "100",
        "--params",
        '{"n":32}',
        "--wait",
        "30",
        "--json",
        "--url",
        coordinator.url,
      ],
      { PITHEAD_KEY: client.key },
    );
    await miner.stop();
    expect(submitted.code).toBe(0);
    const result = JSON.parse(submitted.stdout);
    expect(result.receipt.receipt).toMatchObject({ miner_id: "cli-miner", reward: 99 });

    const file = join(coordinator.dir.path, "result.json");
    writeFileSync(file, submitted.stdout);
    const tampered = join(coordinator.dir.path, "tampered.json");
    writeFileSync(
      tampered,
      JSON.stringify({ ...result.receipt, receipt: { ...result.receipt.receipt, reward: 1_000_000 } }),
    );
    const [valid, invalid, fetched] = await Promise.all([
      pithead(["receipt", "verify", file, "--url", coordinator.url]),
      pithead(["receipt", "verify", tampered, "--url", coordinator.url]),
      pithead(["jobs", "get", result.job_id, "--url", coordinator.url], { PITHEAD_KEY: client.key }),
    ]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/^valid: receipt .* paid 99 to cli_miner_w/);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^INVALID/);
    expect(fetched.stdout).toContain("COMPLETED");
  });

  it("fails with one clear line when the coordinator is unreachable or the key is missing", async () => {
    const [unreachable, noKey, badArg] = await Promise.all([
      pithead(["jobs", "get", "3f0c0b8e-8f3a-4c55-9d55-2d7a6c1f0a11", "--url", "http://127.0.0.1:1"], {
        PITHEAD_KEY: "x",
      }),
      pithead(["jobs", "get", "3f0c0b8e-8f3a-4c55-9d55-2d7a6c1f0a11", "--url", coordinator.url]),
      pithead(["wallet", "fund", "w", "1.5", "--url", coordinator.url, "--data", coordinator.dir.path]),
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^error: cannot reach the coordinator at http:\/\/127\.0\.0\.1:1/),
    ]);
    expect(noKey.stderr).toMatch(/^error: no client key: set PITHEAD_KEY/);
    expect(badArg.code).not.toBe(0);
    expect(badArg.stderr).toContain("must be a positive integer amount");
  });

  it("coordinator start says plainly that the PostgreSQL server in --db cannot be reached", async () => {
    const started = await pithead([
      "coordinator",
      "start",
      "--port",
      "0",
      "--data",
      join(coordinator.dir.path, "unreachable-pg"),
      "--db",
      "postgres://u:secret@127.0.0.1:1/db",
    ]);
    expect(started.code).toBe(1);
    expect(started.stderr).toMatch(
      /error: cannot reach the PostgreSQL server in --db \/ PITHEAD_DB: is it running there\? \(connect ECONNREFUSED 127\.0\.0\.1:1\)/,
    );
    expect(started.stderr).not.toContain("secret");
  });
});
