// `pithead fleet cycle` says what the fleet could not keep: a state snapshot it cannot write (here
// a directory sits where the file goes) is a warning on stderr naming the file, while the cycle
// itself is recorded and the command succeeds. Before, the warning went nowhere.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-cli-fleet-warn-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("pithead fleet cycle", () => {
  it("warns when the state snapshot cannot be written, and still records the cycle", async () => {
    const cwd = join(root, "blocked");
    mkdirSync(join(cwd, "data", "fleet-state-default.snapshot"), { recursive: true });
    const cycle = await pithead(["fleet", "cycle", "--json"], { cwd });
    expect(cycle.code, cycle.stderr).toBe(0);
    expect(JSON.parse(cycle.stdout)).toMatchObject([{ cycleSeq: expect.any(Number) }]);
    expect(cycle.stderr).toMatch(
      /warning: the state snapshot of operator 'default' could not be written \(.*fleet-state-default\.snapshot.*\): nothing is lost/,
    );
  });
});
