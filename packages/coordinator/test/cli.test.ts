// The `pithead` commands that talk to a coordinator, run as real processes against a real server:
// keys, wallet, jobs (submit --wait follows the job's event stream), receipt verify.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
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

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Starts a long-running command; resolves once it printed its last start-up line. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? "" } });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  await expect.poll(() => stderr, { timeout: 20_000 }).toMatch(/wallet fund .*\n/);
  return { child, stderr };
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

  it("binds a miner key to a payout wallet: `pithead keys create --role miner --wallet`", async () => {
    const flags = ["--url", coordinator.url, "--data", coordinator.dir.path];
    const created = await pithead(["keys", "create", "--role", "miner", "--wallet", "cli_rigs", "--json", ...flags]);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ role: "miner", wallet: "cli_rigs" });
    const api = new CoordinatorClient(coordinator.url, key.key);
    const beat = (wallet: string) =>
      api.request("POST", "/v1/miner/heartbeat", { body: { miner_id: "cli-rig", wallet, mode: "cpu", gpu: 0 } }).then(
        () => "ok",
        (error: { code?: string }) => error.code,
      );
    expect(await beat("cli_elsewhere")).toBe("KEY_BOUND_TO_OTHER_WALLET");
    expect(await beat("cli_rigs")).toBe("ok");
    expect((await pithead(["keys", "list", ...flags])).stdout).toContain("wallet=cli_rigs miner=cli-rig");
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
    // A mistyped URL or job id is named as such, not reported as a failed connection or a schema path.
    const [badUrl, badId, adminBalance] = await Promise.all([
      pithead(["jobs", "get", "3f0c0b8e-8f3a-4c55-9d55-2d7a6c1f0a11", "--url", "notaurl"], { PITHEAD_KEY: "x" }),
      pithead(["jobs", "get", "notauuid", "--url", coordinator.url], { PITHEAD_KEY: "x" }),
      pithead(["wallet", "balance", "--url", coordinator.url], { PITHEAD_KEY: coordinator.adminKey }),
    ]);
    expect(badUrl.stderr.trim()).toBe('error: --url: "notaurl" is not an http(s) URL (e.g. http://127.0.0.1:8080)');
    expect(badId.code).not.toBe(0);
    expect(badId.stderr).toMatch(/'notauuid' is invalid for argument 'id'\. must be a job id, a UUID/);
    expect(adminBalance.stderr.trim()).toBe(
      "error: an admin key reads any wallet: name it, as in `pithead wallet balance <address>`",
    );
  });

  it("coordinator start prints next steps that work as pasted; jobs watch rides through a restart", async () => {
    const dir = join(coordinator.dir.path, "restarting");
    const port = await freePort();
    const { child, stderr } = await startCli(["coordinator", "start", "--port", String(port), "--data", dir]);
    let server = child;
    try {
      const url = `http://127.0.0.1:${port}`;
      const next = stderr
        .split("\n")
        .filter((line) => line.trim().startsWith("npx pithead "))
        .map((line) => line.trim().replace(/\s+#.*$/, ""));
      expect(next).toHaveLength(3);
      for (const line of next) {
        expect(line).toContain(`--url ${url}`);
        // As a user pastes it (npx pithead → this checkout's CLI); the words carry no quoting.
        const ran = await pithead(line.split(/\s+/).slice(2));
        expect([line, ran.code, ran.stderr]).toEqual([line, 0, ""]);
      }
      const client = await new CoordinatorClient(url, readFileSync(join(dir, "admin.key"), "utf8").trim()).request<{
        key: string;
      }>("POST", "/v1/admin/keys", { body: { role: "client", wallet: "my-wallet" } });
      const api = new CoordinatorClient(url, client.body.key);
      const job = await api.submit({ workload: "torch_bench", params: { n: 32 }, reward: 10 });
      const watch = spawn(process.execPath, [cli, "jobs", "watch", job.id, "--url", url], {
        env: { PATH: process.env.PATH ?? "", PITHEAD_KEY: client.body.key },
      });
      const watched = { out: "", err: "" };
      watch.stdout.on("data", (chunk) => {
        watched.out += chunk;
      });
      watch.stderr.on("data", (chunk) => {
        watched.err += chunk;
      });
      await expect.poll(() => watched.out, { timeout: 10_000 }).toMatch(/QUEUED/);
      server.kill("SIGTERM");
      await once(server, "exit");
      await expect.poll(() => watched.err, { timeout: 10_000 }).toMatch(/connection to the coordinator lost/);
      server = (await startCli(["coordinator", "start", "--port", String(port), "--data", dir])).child;
      const minerKey = await new CoordinatorClient(url, readFileSync(join(dir, "admin.key"), "utf8").trim()).request<{
        key: string;
      }>("POST", "/v1/admin/keys", { body: { role: "miner" } });
      const minerApi = new CoordinatorClient(url, minerKey.body.key);
      await minerApi.request("POST", "/v1/miner/heartbeat", {
        body: { miner_id: "restart-miner", wallet: "restart_w", mode: "cpu", gpu: 0 },
      });
      const miner = runMiner(minerApi, "restart-miner", { waitS: 1 });
      const [code] = await once(watch, "exit");
      await miner.stop();
      expect(code).toBe(0);
      expect(watched.out).toMatch(/QUEUED[\s\S]*COMPLETED/);
      // Each state once, though the stream started over after the restart.
      expect(watched.out.match(/QUEUED/g)).toHaveLength(1);
    } finally {
      server.kill("SIGTERM");
    }
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
