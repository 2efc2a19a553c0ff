// A WORK_DIR that cannot exist: under /proc, Node's recursive mkdir looped forever at 100 % CPU, and
// the loop kept the SIGTERM handler from running, so `miner start` could not even be stopped. It now
// exits at once naming the directory; below a file, it names the file in the way.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const cli = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "pithead-miner-unmakeable-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `miner start` with `workDir`, killed if it has not ended in 30 s (then `signal` says so). */
function start(workDir: string) {
  const args = ["miner", "start", "--coord-url", "http://127.0.0.1:9", "--wallet-addr", "w", "--work-dir", workDir];
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CI: "1", API_KEY: "k-1" };
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8", timeout: 30_000, killSignal: "SIGKILL" });
}

describe("miner start with a WORK_DIR that cannot be made", () => {
  it.skipIf(!existsSync("/proc/self"))("under /proc: exits 1 naming the directory, no hang", () => {
    const ran = start("/proc/pithead-nope/work");
    expect(ran.signal).toBeNull();
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain("cannot create the directory /proc/pithead-nope");
  });

  it("below a file: names the file in the way", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const ran = start(join(file, "work"));
    expect(ran.signal).toBeNull();
    expect(ran.stderr).toContain(`${file} is a file, not a directory`);
  });
});
