// `pithead miner start` and `doctor` as an operator runs them: a child process of the real CLI.
// A configuration error (ACCEL_MODE=gpu without a GPU among them) exits 2 with every problem in one
// message and writes nothing; doctor exits 1 where start would refuse.

import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
const clean = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CI: "1" };
const connection = ["--coord-url", "http://127.0.0.1:9", "--wallet-addr", "wallet_demo", "--api-key", "k-1"];
let cwd: string;

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), "pithead-miner-cli-"));
});
afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

type Failure = { code: number; stdout: string; stderr: string };
const pithead = (args: string[]) =>
  run(process.execPath, [cli, ...args], { cwd, env: clean }).then(
    (done) => ({ code: 0, ...done }) as Failure,
    (error: Failure) => error,
  );

describe("pithead miner", () => {
  it("start refuses an unknown workload as a configuration error (exit 2), before creating the key", async () => {
    const workDir = join(cwd, "unknown-workload");
    const result = await pithead([
      "miner",
      "start",
      ...connection,
      "--work-dir",
      workDir,
      "--workloads",
      "llm_gen,foo",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: WORKLOADS names unknown workload "foo" (known: llm_gen, torch_bench, sd_infer), got "llm_gen,foo" (from --workloads)\n',
    );
    expect(existsSync(join(workDir, "miner.key"))).toBe(false);
  });

  it("start lists an unknown key in the file with the file's other bad values, in one error (exit 2)", async () => {
    const file = join(cwd, "miner.conf");
    writeFileSync(file, "HEARTBEAT_SEC=20\nMAX_CONCURRENCY=0\n");
    const workDir = join(cwd, "bad-file");
    const result = await pithead(["miner", "start", "--config", file, ...connection, "--work-dir", workDir]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")).toEqual([
      "error: 2 problems in the miner configuration:",
      `  - unknown key HEARTBEAT_SEC in ${file} line 1 (did you mean HEARTBEAT_SECS?)`,
      `  - MAX_CONCURRENCY must be a positive integer from 1 to 64, got "0" (from ${file} line 2)`,
      "",
    ]);
    expect(existsSync(join(workDir, "miner.key"))).toBe(false);
  });

  it("start --accel-mode gpu on a machine without a GPU refuses the setting (exit 2) and writes nothing", async () => {
    // The missing GPU is what is faked: an nvidia-smi first on PATH that finds no driver, as it does
    // on a box without one.
    const bin = join(cwd, "no-gpu-bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "nvidia-smi"),
      '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."\nexit 9\n',
    );
    chmodSync(join(bin, "nvidia-smi"), 0o755);
    const workDir = join(cwd, "no-gpu");
    const result = await run(
      process.execPath,
      [cli, "miner", "start", ...connection, "--work-dir", workDir, "--accel-mode", "gpu", "--workloads", "llm_gen"],
      { cwd, env: { ...clean, PATH: `${bin}:${clean.PATH}` } },
    ).then(
      (done) => ({ code: 0, ...done }) as Failure,
      (error: Failure) => error,
    );
    expect(result.stderr).toBe(
      "error: ACCEL_MODE=gpu but nvidia-smi found no NVIDIA GPU (install the driver, or set ACCEL_MODE=auto or cpu)\n",
    );
    expect(result.code).toBe(2);
    // Neither the key nor WORK_DIR itself: the README's "checked before anything is written".
    expect(existsSync(workDir)).toBe(false);
  });

  it("doctor --offline is not ready (exit 1) without the settings start requires, and names them", async () => {
    const workDir = join(cwd, "doctor");
    const result = await pithead(["miner", "doctor", "--offline", "--json", "--work-dir", workDir]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; problems: string[] };
    expect(report.ok).toBe(false);
    expect(report.problems).toContain("COORD_URL, WALLET_ADDR, API_KEY are not set (the miner would refuse to start)");
  });
});
