// A miner swapped for another model at the same id: recorded as its own evidence, and what was
// learnt of the old machine (its counters, its low-hashrate streak) is not held against the new one.

import { describe, expect, it } from "vitest";
import { decisionsOf, divergencesOf, Harness, telemetry } from "../../test/builders.ts";
import { recordTypes } from "./records.ts";

const minute = 60_000;

function modelChangesOf(outcome: { all: { type: string; body: unknown }[] }) {
  return outcome.all
    .filter((p) => p.type === recordTypes.modelChange)
    .map((p) => p.body as { minerId: string; from: string; to: string });
}

describe("a miner swapped for another model", () => {
  it("is recorded as fleet.model-change evidence citing the telemetry, once", () => {
    const h = new Harness();
    h.cycle({ m1: telemetry() });
    h.advance(minute);
    const swapped = h.cycle({ m1: telemetry({ model: "Antminer S9", hashrateThs: "13.5", expectedThs: "13.5" }) });
    expect(modelChangesOf(swapped)).toEqual([
      expect.objectContaining({ minerId: "m1", from: "Antminer S19", to: "Antminer S9" }),
    ]);
    expect(h.state.miners.get("m1")?.modelChange).toMatchObject({ from: "Antminer S19", to: "Antminer S9" });
    h.advance(minute);
    const after = h.cycle({ m1: telemetry({ model: "Antminer S9", hashrateThs: "13.5", expectedThs: "13.5" }) });
    expect(modelChangesOf(after)).toEqual([]);
    // The warning stays on the miner's memory until another swap.
    expect(h.state.miners.get("m1")?.model).toBe("Antminer S9");
  });

  it("does not count two spellings of one catalogue model as a change", () => {
    const h = new Harness();
    h.cycle({ m1: telemetry({ model: "Antminer S19" }) });
    h.advance(minute);
    expect(modelChangesOf(h.cycle({ m1: telemetry({ model: "S19" }) }))).toEqual([]);
  });

  it("does not count a model the poll did not report as a change", () => {
    const h = new Harness();
    h.cycle({ m1: telemetry() });
    h.advance(minute);
    expect(modelChangesOf(h.cycle({ m1: telemetry({ model: null }) }))).toEqual([]);
    h.advance(minute);
    expect(modelChangesOf(h.cycle({ m1: telemetry() }))).toEqual([]);
  });

  it("does not read the new machine's lower counters as counters going backwards", () => {
    const h = new Harness();
    h.cycle({ m1: telemetry({ uptimeS: 1_000, accepted: 50_000, hardwareErrors: 500 }) });
    h.advance(minute);
    // The new machine has run longer (it came from another rack) but has accepted fewer shares.
    const swapped = h.cycle({
      m1: telemetry({ model: "Whatsminer M30S", uptimeS: 90_000, accepted: 9_000, hardwareErrors: 3 }),
    });
    expect(divergencesOf(swapped).map((d) => d.code)).not.toContain("COUNTERS_BACKWARDS");
    // Only the swap is exempt: the same machine's counters going backwards still block.
    h.advance(minute);
    const backwards = h.cycle({
      m1: telemetry({ model: "Whatsminer M30S", uptimeS: 90_060, accepted: 8_000, hardwareErrors: 3 }),
    });
    expect(divergencesOf(backwards).map((d) => d.code)).toContain("COUNTERS_BACKWARDS");
  });

  it("starts the low-hashrate streak afresh instead of restarting the new machine for the old one's", () => {
    const h = new Harness();
    const slow = { hashrateThs: "20", expectedThs: "95" };
    h.cycle({ m1: telemetry(slow) });
    h.advance(minute);
    h.cycle({ m1: telemetry(slow) });
    h.advance(minute);
    // Swapped for an S9 that also hashes under half of its own nameplate: the S19's two low
    // cycles do not make this its third.
    const s9Slow = { model: "Antminer S9", hashrateThs: "5", expectedThs: "13.5", uptimeS: 10 };
    const swapped = h.cycle({ m1: telemetry(s9Slow) });
    expect(decisionsOf(swapped).map((d) => d.action)).not.toContain("RESTART");
    expect(h.state.miners.get("m1")?.lowCycles).toBe(1);
  });
});
