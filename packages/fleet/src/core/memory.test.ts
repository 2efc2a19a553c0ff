import { describe, expect, it } from "vitest";
import { Harness, telemetry } from "../../test/builders.ts";
import { emptyState, foldRecord, stoppedMinerBodies } from "./memory.ts";
import { type Json, recordTypes } from "./records.ts";

describe("the miners' memory", () => {
  it("a thermal latch outlives the archiving of its STOP: fleet.memory records say why each miner was stopped", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: 120_000 } });
    h.cycle({ hot: telemetry({ family: "cgminer", maxChipTempC: 97 }), dear: telemetry({ family: "cgminer" }) });
    const [body, ...more] = stoppedMinerBodies(h.state, 1000, "re-recorded");
    expect(more).toEqual([]);
    expect(body).toEqual({
      stoppedByController: ["dear", "hot"],
      stoppedFor: {
        dear: { reason: "UNPROFITABLE", decisionId: "op:1:dear" },
        hot: { reason: "OVER_TEMPERATURE", decisionId: "op:1:hot" },
      },
      reason: "re-recorded",
    });
    // A restart that reads from the archive boundary has only this record of them.
    const restarted = emptyState();
    foldRecord(restarted, {
      seq: 500,
      type: recordTypes.memory,
      at: "2026-01-01T12:00:00.000Z",
      body: body as unknown as Json,
    });
    expect(restarted.miners.get("hot")).toMatchObject({ stoppedByController: true, latch: "THERMAL_LATCH" });
    expect(restarted.miners.get("dear")).toMatchObject({ stoppedByController: true, latch: null });
  });

  it("a fleet.memory record of an older release (no stoppedFor) is read as before: stopped, no latch", () => {
    const state = emptyState();
    const body = { stoppedByController: ["a"], reason: "re-recorded" };
    foldRecord(state, { seq: 3, type: recordTypes.memory, at: "2026-01-01T12:00:00.000Z", body });
    expect(state.miners.get("a")).toMatchObject({ stoppedByController: true, stoppedFor: null, latch: null });
  });

  it("HOLD decisions are not kept from cycle to cycle (the state grew by the fleet every cycle); a STOP's is, through its cycle, and its receipt latches", () => {
    const h = new Harness();
    const fleet = () => {
      const observations: Record<string, ReturnType<typeof telemetry>> = {
        hot: telemetry({ family: "cgminer", maxChipTempC: 97 }),
      };
      for (let i = 0; i < 50; i++) observations[`m${i}`] = telemetry();
      return observations;
    };
    for (let cycle = 0; cycle < 3; cycle++) {
      h.cycle(fleet());
      h.now += 60_000;
    }
    const decided = h.records.filter((record) => record.type === recordTypes.decision);
    expect(decided.length).toBe(3 * 51);
    // The hot miner, still hashing, is stopped every cycle; the 50 others are HOLDs, 150 of them.
    // An earlier cycle's STOP is forgotten when the next cycle begins (decisions-bounded.test.ts).
    expect([...h.state.decisions.values()].map(({ minerId, reason }) => `${minerId} ${reason}`)).toEqual([
      "hot OVER_TEMPERATURE",
    ]);
    expect(h.state.miners.get("hot")).toMatchObject({ stoppedByController: true, latch: "THERMAL_LATCH" });
  });
});
