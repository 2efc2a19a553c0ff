// `pithead fleet cycle` on a ledger another process holds points at the controller's real address,
// and never at a stale one left by a controller that was killed.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadFleetConfig, runningController } from "@pithead/fleet";
import { afterEach, describe, expect, it } from "vitest";
import { runOnceHint } from "./fleet-run-once-hint.ts";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the run-once hint of a held fleet ledger", () => {
  it("names where the running controller listens, else says the configured port is only this configuration's", () => {
    dir = mkdtempSync(join(tmpdir(), "fleet-hint-"));
    const config = loadFleetConfig({ DATA_DIR: dir, PORT: "3001" });
    // A controller killed without stopping left its file behind: its process is gone (pid 2^22 + 1
    // is over Linux's largest), so it is not believed.
    writeFileSync(join(dir, "fleet-api.json"), JSON.stringify({ pid: 4_194_305, url: "http://127.0.0.1:3999" }));
    expect(runningController(dir)).toBeUndefined();
    expect(runOnceHint(config, "default", runningController(dir))).toBe(
      `  if it is a running controller, run the cycle there (its /loop/run-once) with --url and the address it listens on (its "listening on" line; this configuration's PORT gives http://127.0.0.1:3001):\n    pithead fleet cycle --url http://127.0.0.1:3001 --operator default --secret-file <file holding the operator's API secret>`,
    );
    // One that runs (here: this test's parent process) is where the cycle goes.
    writeFileSync(join(dir, "fleet-api.json"), JSON.stringify({ pid: process.ppid, url: "http://127.0.0.1:3901" }));
    expect(runOnceHint(config, "default", runningController(dir))).toBe(
      `  the controller holding it (process ${process.ppid}) listens on http://127.0.0.1:3901: run the cycle there (its /loop/run-once) with\n    pithead fleet cycle --url http://127.0.0.1:3901 --operator default --secret-file <file holding the operator's API secret>`,
    );
  });
});
