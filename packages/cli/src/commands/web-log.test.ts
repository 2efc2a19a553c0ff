// `pithead web` prints its warnings as readable lines, off a terminal too (a file, the journal),
// never as pino JSON among the text it prints itself.

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { webLogger } from "./web-log.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What the dashboard's pino writes for a warning: one JSON line. */
const pinoWarning = (msg: string, fields: Record<string, unknown>) =>
  `${JSON.stringify({ level: 40, time: Date.UTC(2026, 10, 23, 14, 5, 6, 7), pid: 1, hostname: "h", name: "pithead-dashboard", reqId: "r-1", ...fields, msg })}\n`;

describe("pithead web's log", () => {
  it("is one dated line per warning when stdout is a file, with the fields as key=value", () => {
    dir = mkdtempSync(join(tmpdir(), "web-log-"));
    const file = join(dir, "web.log");
    const fd = openSync(file, "w");
    try {
      const options = webLogger("warn", { isTTY: false, fd, write: () => undefined });
      options.stream.write(
        pinoWarning("service unreachable (said once, until it answers again)", {
          service: "fleet",
          url: "http://127.0.0.1:3999",
          code: "ECONNREFUSED",
        }),
      );
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, "utf8")).toMatch(
      /^2026-11-23T14:05:06\.007Z WARN service unreachable \(said once, until it answers again\) reqId=r-1 service=fleet url=http:\/\/127\.0\.0\.1:3999 code=ECONNREFUSED\n$/,
    );
  });

  it("is a short line on a terminal, as the servers' start commands show theirs", () => {
    dir = mkdtempSync(join(tmpdir(), "web-log-"));
    const written: string[] = [];
    // "\r" and erase-line first (a spinner's line is replaced): left out here.
    const options = webLogger("warn", {
      isTTY: true,
      write: (text: string) => written.push(text.replace("\r\x1b[2K", "")),
    });
    options.stream.write(pinoWarning("service answering again", { service: "agent" }));
    expect(written).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d WARN service answering again reqId=r-1 service=agent\n$/),
    ]);
  });
});
