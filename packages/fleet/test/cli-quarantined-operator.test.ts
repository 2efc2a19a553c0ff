// `pithead fleet cycle` with several operators, one partition damaged: the healthy operators are
// cycled, the damaged one is named with the verify command, and the command fails (exit 1) so a
// cron job hears of it.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";

const run = promisify(execFile);
const cli = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
let cwd: string;
let simulator: FleetSimulator;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "pithead-fleet-quarantine-"));
  simulator = await FleetSimulator.start({ miners: 2, models: ["s19"] });
});
afterAll(async () => {
  await simulator.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe("pithead fleet cycle, one operator's partition damaged", () => {
  it("cycles the healthy operator, names the damaged one and its verify command, and exits 1", async () => {
    const [a, b] = simulator.endpoints();
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      CI: "1",
      LOG_LEVEL: "warn",
      DATA_DIR: join(cwd, "data"),
      OPERATORS_JSON: JSON.stringify([
        {
          operatorId: "alpha",
          apiSecret: "alpha-secret-0123456789abcdef",
          miners: [{ id: a?.id, ip: a?.host, port: a?.port }],
        },
        {
          operatorId: "beta",
          apiSecret: "beta-secret-0123456789abcdef",
          miners: [{ id: b?.id, ip: b?.host, port: b?.port }],
        },
      ]),
    };
    await run(process.execPath, [cli, "fleet", "cycle", "--json"], { cwd, env });
    await run(process.execPath, [cli, "fleet", "cycle", "--json"], { cwd, env });
    const records = join(cwd, "data", "fleet-ledger", "fleet", "alpha.ledger", "records.jsonl");
    truncateSync(records, statSync(records).size - 40);

    const result = await run(process.execPath, [cli, "fleet", "cycle", "--json"], { cwd, env }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result).toMatchObject({ code: 1 });
    const reports = JSON.parse(result.stdout) as { operatorId: string }[];
    expect(reports.map((report) => report.operatorId)).toEqual(["beta"]);
    expect(result.stderr).toMatch(
      /error: operator alpha is quarantined, no cycle ran for it: .*fleet\/alpha.*pithead ledger verify/,
    );
  });
});
