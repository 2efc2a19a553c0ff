// One miner per WORK_DIR, as an operator meets it: a second `pithead miner start` on a WORK_DIR a
// running miner uses is refused (exit 1) naming that miner's pid, before it touches anything; once
// that miner is killed (no stop, its lock file left behind) the next start takes WORK_DIR over.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const cli = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "pithead-miner-lock-"));
const workDir = join(dir, "work");
// No coordinator answers: the miner starts and retries with backoff, which is all these tests need.
const args = [
  "miner",
  "start",
  "--coord-url",
  "http://127.0.0.1:9",
  "--wallet-addr",
  "wallet_demo",
  "--work-dir",
  workDir,
  "--workloads",
  "llm_gen",
];
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CI: "1", API_KEY: "k-1" };
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

interface Miner {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
}

function startMinerProcess(): Miner {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env });
  children.push(child);
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((done) =>
    child.once("close", (code, signal) => done(code ?? signal)),
  );
  return { child, output: () => output, exited };
}

/** Waits until the miner has logged its start (WORK_DIR taken, workloads offered). */
async function started(miner: Miner): Promise<void> {
  const ended = miner.exited.then((code) => {
    throw new Error(`the miner exited (${code}) before it started: ${miner.output()}`);
  });
  const logged = (async () => {
    while (!miner.output().includes("miner starting")) await new Promise((r) => setTimeout(r, 50));
  })();
  await Promise.race([logged, ended]);
}

describe("one miner per WORK_DIR", () => {
  it("refuses a second miner on a WORK_DIR in use, naming the first's pid; a killed miner's lock is taken over", async () => {
    const first = startMinerProcess();
    await started(first);
    const lock = join(workDir, "miner.lock");
    expect(readFileSync(lock, "utf8").split("\n")[0]).toBe(String(first.child.pid));

    const second = startMinerProcess();
    expect(await second.exited).toBe(1);
    expect(second.output()).toBe(
      `error: WORK_DIR ${workDir} is in use by another miner (pid ${first.child.pid}, lock file ${lock}): stop it, or give this miner a WORK_DIR of its own\n`,
    );

    // Killed, not stopped: its lock stays behind, naming a pid that is gone.
    first.child.kill("SIGKILL");
    await first.exited;
    expect(existsSync(lock)).toBe(true);
    const third = startMinerProcess();
    await started(third);
    expect(readFileSync(lock, "utf8").split("\n")[0]).toBe(String(third.child.pid));

    // A stopped miner gives WORK_DIR back.
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(0);
    expect(existsSync(lock)).toBe(false);
  }, 60_000);
});
