import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fullDisk } from "../test/support/full-disk.ts";
import { FdLog } from "./fd-log.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-fd-log-"));
const disk = fullDisk();
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  disk?.[Symbol.dispose]();
});

/** A named pipe: its read end (non-blocking, as a log shipper's may be) and its write end. */
function pipe(name: string): { reader: number; writer: number } {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  return { reader, writer };
}

describe("a server's log on stdout that is not a terminal", () => {
  it.skipIf(disk === undefined)(
    "is a file on a full disk: lines are dropped and counted, never thrown; once space is back one line says how many",
    () => {
      if (!disk) return;
      const path = join(disk.path, "stdout.log");
      const fd = openSync(path, "a");
      const log = new FdLog(fd);
      log.write("before\n");
      disk.fill();
      for (let i = 0; i < 5; i++) expect(() => log.write(`lost ${i} ${"x".repeat(8192)}\n`)).not.toThrow();
      expect(log.droppedLines).toBe(5);
      disk.free();
      log.write("after\n");
      closeSync(fd);
      const lines = readFileSync(path, "utf8").trimEnd().split("\n");
      expect(lines[0]).toBe("before");
      // A line the disk cut short may stand between (stdout cannot be truncated); the rest is whole.
      expect(JSON.parse(lines.at(-2) as string)).toMatchObject({ level: 40, msg: "5 log lines dropped: disk full" });
      expect(lines.at(-1)).toBe("after");
      expect(log.droppedLines).toBe(0);
    },
  );

  it("is a pipe nothing reads any more: lines are dropped and counted, never thrown", () => {
    const { reader, writer } = pipe("closed");
    closeSync(reader);
    const log = new FdLog(writer);
    for (let i = 0; i < 3; i++) expect(() => log.write(`line ${i}\n`)).not.toThrow();
    expect(log.droppedLines).toBe(3);
    closeSync(writer);
  });

  it("is a pipe whose reader is slow: nothing is lost, lines come whole and in order", async () => {
    const { reader, writer } = pipe("slow");
    const log = new FdLog(writer);
    // 200 lines of 1 KiB: three times what a pipe holds before its reader takes some.
    const sent = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(3, "0")} ${"y".repeat(1019)}\n`);
    for (const line of sent) log.write(line);
    let received = "";
    const buffer = Buffer.alloc(65_536);
    while (received.length < sent.join("").length) {
      try {
        received += buffer.toString("utf8", 0, readSync(reader, buffer));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    expect(received).toBe(sent.join(""));
    expect(log.droppedLines).toBe(0);
    closeSync(reader);
    closeSync(writer);
  });
});
