import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compactLogLine, serverLogger } from "./server-log.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-server-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What pino writes for an entry: one JSON line. */
const pinoLine = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level, time: Date.now(), pid: 1, hostname: "h", name: "fleet", ...extra, msg })}\n`;

function capture() {
  const written: string[] = [];
  const options = serverLogger("info", {
    isTTY: true,
    write: (text: string) => written.push(text.replace("\r\x1b[2K", "")),
  });
  const write = (line: string) => options.stream?.write(line);
  return { write, written };
}

const at = new Date(2026, 10, 23, 4, 5, 6).getTime();
const clock = (n: number) => String(n).padStart(2, "0");
const local = `${clock(new Date(at).getHours())}:${clock(new Date(at).getMinutes())}:${clock(new Date(at).getSeconds())}`;

describe("a server's log when started from the CLI", () => {
  it("on a terminal, is one short readable line per entry, not JSON", () => {
    const { write, written } = capture();
    write(pinoLine(30, "Server listening at http://127.0.0.1:3001"));
    write(
      pinoLine(30, "route failed", { reqId: "req-1", req: { method: "POST", url: "/complete", remotePort: 51234 } }),
    );
    write(
      pinoLine(40, "checkpoint failed", {
        err: { type: "Error", message: "disk full", stack: "Error: disk full\n at x" },
      }),
    );
    expect(written).toHaveLength(3);
    for (const line of written) expect(line.startsWith("{")).toBe(false);
    expect(written[0]).toMatch(/^\d\d:\d\d:\d\d INFO Server listening at http:\/\/127\.0\.0\.1:3001\n$/);
    expect(written[1]).toMatch(/ INFO route failed reqId=req-1 req\.method=POST req\.url=\/complete\n$/);
    expect(written[2]).toMatch(/ WARN checkpoint failed err="disk full"\n$/);
  });

  it("on a terminal, says each request once, when it completes, with its method, url, status and time", () => {
    const { write, written } = capture();
    write(pinoLine(30, "incoming request", { reqId: "r-7", req: { method: "GET", url: "/health" } }));
    write(pinoLine(30, "request completed", { reqId: "r-7", res: { statusCode: 200 }, responseTime: 5.749283 }));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\d\d:\d\d:\d\d INFO GET \/health 200 \(6 ms\)\n$/);
  });

  it("elsewhere (systemd, a pipe, a file), stays JSON for log shippers", () => {
    const path = join(dir, "stdout.log");
    const fd = openSync(path, "a");
    const options = serverLogger("debug", { isTTY: false, fd, write: () => true });
    const line = pinoLine(30, "Server listening at http://127.0.0.1:3001");
    options.stream.write(line);
    closeSync(fd);
    expect(options.level).toBe("debug");
    expect(readFileSync(path, "utf8")).toBe(line);
  });

  it("formats a pino line with its local time and leaves a line that is not JSON as it is", () => {
    expect(compactLogLine(JSON.stringify({ level: 50, time: at, pid: 1, hostname: "h", msg: "boom", code: 7 }))).toBe(
      `${local} ERROR boom code=7\n`,
    );
    expect(compactLogLine("plain text")).toBe("plain text\n");
  });
});
