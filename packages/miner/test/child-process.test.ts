import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChild } from "../src/machine/child-process.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("runChild", () => {
  it("kills the whole process group on abort, grandchildren included", async () => {
    // The child starts a grandchild that would outlive a kill of the child alone, and writes
    // the grandchild's pid to a file so the test knows whom to look for.
    const pidFile = join(mkdtempSync(join(tmpdir(), "miner-child-")), "grandchild.pid");
    const script = `
      const { spawn } = require("node:child_process");
      const grandchild = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(grandchild.pid));
      setInterval(() => {}, 1000);
    `;
    const controller = new AbortController();
    const running = runChild(process.execPath, ["-e", script], { signal: controller.signal });
    let grandchildPid = 0;
    for (let i = 0; i < 400 && grandchildPid === 0; i++) {
      if (existsSync(pidFile)) grandchildPid = Number(readFileSync(pidFile, "utf8"));
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(grandchildPid).toBeGreaterThan(0);
    expect(alive(grandchildPid)).toBe(true);
    controller.abort();
    const result = await running;
    expect(result.killed).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    // SIGKILL to the group is delivered at once; give the kernel a bounded moment to reap.
    for (let i = 0; i < 100 && alive(grandchildPid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(grandchildPid)).toBe(false);
  });

  it("passes stdin and returns stdout and the exit code", async () => {
    const result = await runChild(
      process.execPath,
      ["-e", "process.stdin.pipe(process.stdout); process.exitCode = 3"],
      { input: "hello" },
    );
    expect(result).toMatchObject({ code: 3, stdout: "hello", killed: false });
  });
});
