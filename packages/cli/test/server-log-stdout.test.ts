// `pithead coordinator start` (agent and fleet start log the same way) whose stdout is a file on a
// full disk, or a pipe nothing reads any more: its log lines are dropped, the server goes on
// answering. pino's own destination took the process down with an unhandled ENOSPC/EPIPE 'error'.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "@pithead/testkit";
import { afterAll, describe, expect, it } from "vitest";

const cli = resolve(import.meta.dirname, "../bin/pithead.js");
const dir = mkdtempSync(join(tmpdir(), "pithead-cli-stdout-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function start(name: string, stdout: number | "pipe"): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cli, "coordinator", "start", "--data", join(dir, name), "--port", String(port)],
    { env: { PATH: process.env.PATH ?? "", CI: "1" }, stdio: ["ignore", stdout, "ignore"] },
  );
  children.push(child);
  // What a reader that went away leaves: the pipe's read end closed.
  child.stdout?.destroy();
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name}: exited before it listened`);
    const answered = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return { child, url };
    if (tries > 300) throw new Error(`${name}: not listening`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** 50 requests, each logged twice (incoming, completed): then is it still there and answering? */
async function stillAnswers(server: { child: ChildProcess; url: string }): Promise<number[]> {
  // A server stuck writing its log answers nothing: the request times out instead of the test.
  const health = () => fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5_000) });
  for (let i = 0; i < 50; i++) await health().then((response) => response.text());
  await new Promise((done) => setTimeout(done, 200));
  expect(server.child.exitCode).toBeNull();
  const response = await health();
  await response.text();
  return [response.status];
}

describe("pithead coordinator start whose stdout cannot take its log", () => {
  it("a file on a full disk (/dev/full): goes on answering", async () => {
    const full = openSync("/dev/full", "w");
    try {
      const server = await start("full", full);
      expect(await stillAnswers(server)).toEqual([200]);
    } finally {
      closeSync(full);
    }
  }, 60_000);

  it("a pipe nothing reads any more: goes on answering", async () => {
    const server = await start("closed-pipe", "pipe");
    expect(await stillAnswers(server)).toEqual([200]);
  }, 60_000);
});
