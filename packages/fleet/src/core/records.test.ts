import { describe, expect, it } from "vitest";
import { energy, Harness, telemetry } from "../../test/builders.ts";
import { withCites } from "./records.ts";

const sortedKeys = (value: object) => {
  const keys = Object.keys(value);
  return keys.join() === [...keys].sort().join();
};

describe("record bodies", () => {
  it("withCites sorts the seqs, keeps each once, and puts them where canonical JSON has them", () => {
    const body = withCites({ action: "HOLD", cycle: 4, minerId: "a" }, [9, 3, 9, 5]);
    expect(body).toEqual({ action: "HOLD", cites: [3, 5, 9], cycle: 4, minerId: "a" });
    expect(Object.keys(body)).toEqual(["action", "cites", "cycle", "minerId"]);
    expect(withCites({ a: 1, b: 2 }, [1, 2]).cites).toEqual([1, 2]);
  });

  it("a cycle's profit, decision and negative-proof bodies come out in canonical key order with their cites", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear } });
    const outcome = h.cycle({
      hot: telemetry({ family: "cgminer", maxChipTempC: 97 }),
      loss: telemetry({ family: "bmminer" }), // STOP for a loss: unsupported by stock firmware
      down: "connection refused",
    });
    const bodies = [...outcome.evidence, ...outcome.decisions, ...outcome.suppressions]
      .filter((planned) => planned.type !== "fleet.divergence" && planned.key !== "fleet")
      .map((planned) => withCites(planned.body, [1]));
    expect(new Set(bodies.map((body) => body.constructor))).toEqual(new Set([Object]));
    expect(bodies.length).toBeGreaterThan(4);
    expect(bodies.filter((body) => !sortedKeys(body))).toEqual([]);
  });
});
