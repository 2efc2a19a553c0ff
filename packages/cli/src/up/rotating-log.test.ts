import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fullDisk } from "../../test/support/full-disk.ts";
import { RotatingLog } from "./rotating-log.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-rotating-log-"));
const disk = fullDisk();
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  disk?.[Symbol.dispose]();
});

const write = (log: RotatingLog, line: string) =>
  new Promise<void>((resolve, reject) => log.write(`${line}\n`, (error) => (error ? reject(error) : resolve())));
const end = (log: RotatingLog) => new Promise<void>((resolve) => log.end(resolve));

describe("a service log of pithead up", () => {
  it("stays bounded: past its size it moves to .1, .2, .3 and the oldest is dropped; lines are never split", async () => {
    const path = join(dir, "coordinator.log");
    const log = new RotatingLog(path, { maxBytes: 1_000, keep: 3 });
    // 100 lines of 100 bytes: ten files' worth, of which the current one and three older stay.
    for (let i = 0; i < 100; i++) await write(log, `line ${String(i).padStart(3, "0")} ${"x".repeat(90)}`);
    await end(log);
    expect(readdirSync(dir).sort()).toEqual([
      "coordinator.log",
      "coordinator.log.1",
      "coordinator.log.2",
      "coordinator.log.3",
    ]);
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
    for (const file of files) expect(statSync(file).size).toBeLessThanOrEqual(1_000);
    const lines = files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line !== ""),
    );
    // The newest 40 lines, in order, each whole.
    expect(lines.map((line) => Number(line.slice(5, 8)))).toEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
    expect(lines.every((line) => line.length === 99)).toBe(true);
  });

  it("goes on appending to what an earlier start left, counting its size", async () => {
    const path = join(dir, "fleet.log");
    const first = new RotatingLog(path, { maxBytes: 1_000, keep: 1 });
    for (let i = 0; i < 9; i++) await write(first, "a".repeat(99));
    await end(first);
    const second = new RotatingLog(path, { maxBytes: 1_000, keep: 1 });
    await write(second, "b".repeat(99));
    await write(second, "c".repeat(99));
    await end(second);
    const lineOf = (letter: string) => `${letter.repeat(99)}\n`;
    expect(readFileSync(`${path}.1`, "utf8")).toBe(lineOf("a").repeat(9).concat(lineOf("b")));
    expect(readFileSync(path, "utf8")).toBe(lineOf("c"));
  });
});

describe("a service log of pithead up on a full disk", () => {
  it.skipIf(disk === undefined)(
    "drops the lines it cannot write (never an error that stops the stack), keeps the others whole, and says how many once space is back",
    async () => {
      if (!disk) return;
      const path = join(disk.path, "coordinator.log");
      const log = new RotatingLog(path, { maxBytes: 1_000_000, keep: 1 });
      await write(log, "before");
      disk.fill();
      // Longer than any space left: none of these fit.
      for (let i = 0; i < 5; i++) await write(log, `lost ${i} ${"x".repeat(8192)}`);
      expect(readFileSync(path, "utf8")).toBe("before\n");
      expect(log.droppedLines).toBe(5);
      disk.free();
      await write(log, "after");
      await end(log);
      const lines = readFileSync(path, "utf8").trimEnd().split("\n");
      expect(lines[0]).toBe("before");
      expect(JSON.parse(lines[1] as string)).toMatchObject({ level: 40, msg: "5 log lines dropped: disk full" });
      expect(lines.slice(2)).toEqual(["after"]);
    },
  );
});
