// A controller started on a partition where a newer Pithead decided cycles (a downgrade) refuses
// to run, naming both rules versions and what to do, and writes nothing: an older build appending
// its cycles after the newer one's would undo what it does not know (a latch, a hold).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { loadFleetConfig } from "../src/config/load-config.ts";
import { type CycleBody, recordTypes } from "../src/core/records.ts";
import { decisionRulesVersion } from "../src/core/rules-version.ts";
import { openFleet, startFleetService } from "../src/fleet-service.ts";

describe("a partition a newer Pithead ran cycles in", () => {
  it("is refused at start with both versions and what to do, and nothing is appended", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-newer-"));
    const config = loadFleetConfig({
      DATA_DIR: dir,
      SIMULATED_MINERS: "2",
      LOOP_ENABLED: "false",
      AUTH_DISABLED: "true",
      PORT: "0",
    });
    const clock = new ManualClock(Date.UTC(2026, 10, 1));
    const records = join(dir, "fleet-ledger", "fleet", "default.ledger", "records.jsonl");
    try {
      const fleet = await openFleet(config, { clock });
      try {
        const controller = fleet.controllers.get("default");
        await controller?.runCycle();
        // What a newer build's cycle looks like to this one: its record says which rules decided it.
        clock.advance(30_000);
        const body: CycleBody = { now: new Date(clock.now()).toISOString(), mode: "AUTO", dryRun: false, miners: 2 };
        await fleet.ledger.appendBatch("fleet/default", [
          { type: recordTypes.cycle, body: { ...body, rules: decisionRulesVersion + 1 }, at: new Date(clock.now()) },
        ]);
      } finally {
        await fleet.close();
      }
      const before = readFileSync(records, "utf8");

      const refused = startFleetService(config, { clock, logger: false });
      await expect(refused).rejects.toThrow(
        `decided under decision rules version ${decisionRulesVersion + 1}, this version knows up to ${decisionRulesVersion}`,
      );
      await expect(refused).rejects.toThrow(/ledger partition fleet\/default was run by a newer Pithead/);
      await expect(refused).rejects.toThrow(/Upgrade Pithead/);
      // No settlement, no configuration record, no cycle: the newer build finds its ledger as it left it.
      expect(readFileSync(records, "utf8")).toBe(before);
      // `pithead fleet cycle` (in-process) is refused the same way.
      await expect(openFleet(config, { clock })).rejects.toThrow(/was run by a newer Pithead/);
      expect(readFileSync(records, "utf8")).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
