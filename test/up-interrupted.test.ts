// `pithead up` stopped with Ctrl-C while it is still starting: nothing more starts, what did start
// is stopped, no summary (nor keys) is printed, and it exits 130.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDashboardBuilt } from "@pithead/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./web-harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-up-interrupted-"));
const allPortsFree = ["--port", "0", "--coordinator-port", "0", "--agent-port", "0", "--fleet-port", "0"];

// Built before, so the start under test is the services' own (as on any start after the first).
beforeAll(() => ensureDashboardBuilt(), 120_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("pithead up interrupted while starting", () => {
  it("stops what started, prints no summary and exits 130", async () => {
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, "packages/cli/bin/pithead.js"),
        "up",
        "--json",
        "--show-keys",
        "--data",
        dataDir,
        ...allPortsFree,
      ],
      { cwd: repoRoot, env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    // Ctrl-C as soon as the coordinator is up: the services after it are still to start.
    const coordinatorUrl = await new Promise<string>((done, reject) => {
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        const match = /coordinator on (http:\/\/\S+)/.exec(stderr);
        if (match?.[1]) done(match[1]);
      });
      void exited.then((code) =>
        reject(new Error(`pithead up exited (${code}) before the coordinator was up:\n${stderr}`)),
      );
      setTimeout(() => reject(new Error(`the coordinator did not start within 90 s:\n${stderr}`)), 90_000).unref();
    });
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stdout).toBe("");
    expect(stderr).toContain("SIGINT: stopping once the service starting now is up");
    expect(stderr).toContain("✔ coordinator stopped");
    expect(stderr).toContain(`stopped before everything started; what was made is kept in ${dataDir}`);
    expect(stderr).not.toContain("compute miner");
    await expect(fetch(`${coordinatorUrl}/health`)).rejects.toThrow();
  }, 150_000);
});
