// `pithead miner start` against a coordinator that refuses its key: the daemon exits 78 (the
// systemd unit's RestartPreventExitStatus) naming where API_KEY came from, instead of running on
// doing nothing. An outage (5xx) is no reason to stop: it keeps retrying.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyOrigin } from "../src/index.ts";
import { type ScriptedCoordinator, startScriptedCoordinator } from "./support/scripted-coordinator.ts";

const cli = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
let cwd: string;
/** Children still running when a test fails are killed, not left behind. */
const children: ChildProcess[] = [];

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), "pithead-miner-refused-"));
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(cwd, { recursive: true, force: true });
});

function startCli(coordinator: ScriptedCoordinator, name: string, apiKey = "k-refused") {
  const config = join(cwd, `${name}.conf`);
  writeFileSync(config, `COORD_URL="${coordinator.url}"\nWALLET_ADDR="wallet_demo"\nAPI_KEY="${apiKey}"\n`);
  const child = spawn(
    process.execPath,
    [
      cli,
      "miner",
      "start",
      "--config",
      config,
      "--work-dir",
      join(cwd, name),
      "--torch-python",
      "/nonexistent/python3",
    ],
    { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CI: "1" } },
  );
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, config, exited, stderr: () => stderr };
}

const unauthorized = { status: 401, body: { error: { code: "UNAUTHORIZED", message: "Unknown or revoked API key" } } };
const unavailable = { status: 503, body: { error: { code: "SERVICE_UNAVAILABLE", message: "restarting" } } };

describe("miner start with credentials the coordinator refuses", () => {
  it("exits 78 at the first heartbeat, naming the config file that holds API_KEY", async () => {
    await using coordinator = await startScriptedCoordinator();
    coordinator.overrides.set("/v1/miner/heartbeat", Array(50).fill(unauthorized));
    const run = startCli(coordinator, "refused");
    expect(await run.exited).toBe(78);
    const last = run.stderr().trim().split("\n").at(-1);
    expect(last).toBe(
      `error: the coordinator at ${coordinator.url} refuses this miner's credentials (401 UNAUTHORIZED: Unknown or revoked API key): fix API_KEY in ${run.config} or MINER_ID ${last?.match(/MINER_ID (\S+),/)?.[1]}, then start again`,
    );
    expect(coordinator.of("/v1/miner/heartbeat")).toHaveLength(1);
  }, 30_000);

  it("names the installer's placeholder CHANGE_ME as such, and the command that prints a key", async () => {
    await using coordinator = await startScriptedCoordinator();
    coordinator.overrides.set("/v1/miner/heartbeat", Array(50).fill(unauthorized));
    const run = startCli(coordinator, "placeholder", "CHANGE_ME");
    expect(await run.exited).toBe(78);
    expect(run.stderr().trim().split("\n").at(-1)).toBe(
      `error: the coordinator at ${coordinator.url} refuses this miner's credentials (401 UNAUTHORIZED: Unknown or revoked API key): API_KEY in ${run.config} is still the installer's placeholder CHANGE_ME: set it to the miner key \`pithead keys create --role miner\` printed, then start again`,
    );
  }, 30_000);

  it("keeps retrying through an outage (503) and stops only when told", async () => {
    await using coordinator = await startScriptedCoordinator();
    coordinator.overrides.set("/v1/miner/heartbeat", Array(50).fill(unavailable));
    const run = startCli(coordinator, "outage");
    for (let i = 0; i < 600 && coordinator.of("/v1/miner/heartbeat").length < 3; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(coordinator.of("/v1/miner/heartbeat").length).toBeGreaterThanOrEqual(3);
    expect(run.child.exitCode).toBeNull();
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  }, 60_000);
});

describe("apiKeyOrigin", () => {
  const config = (source: "flag" | "env" | "file", configFile?: string) => ({
    sources: { API_KEY: source },
    configFile,
  });
  it("names the flag, the file, or the environment (and the unit's EnvironmentFile under systemd)", () => {
    expect(apiKeyOrigin(config("flag"), {})).toBe("--api-key");
    expect(apiKeyOrigin(config("file", "/etc/pithead/miner.conf"), {})).toBe("API_KEY in /etc/pithead/miner.conf");
    expect(apiKeyOrigin(config("env"), {})).toBe("environment variable API_KEY");
    expect(apiKeyOrigin(config("env"), { INVOCATION_ID: "abc" })).toContain("the unit's EnvironmentFile");
  });
});
