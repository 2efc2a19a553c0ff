import { describe, expect, it } from "vitest";
import { telemetry } from "../../test/builders.ts";
import { modelById } from "../models.ts";
import { minerProfit } from "./miner-profit.ts";
import { computeProfit } from "./profit.ts";

const economics = {
  microUsdPerBtc: 100_000_000_000,
  difficulty: "126000000000000",
  feesPerBlockSat: 0,
  height: 900_000,
  energyMicroUsdPerKwh: 50_000,
  poolFeePpm: 0,
};

describe("a miner's profit figures", () => {
  it("are measured for a hashing miner and judged at nameplate", () => {
    const figures = minerProfit(telemetry(), modelById("s19"), true, economics);
    expect(figures).toMatchObject({ known: true, basis: "measured", hashrateThs: "95", powerW: 3278 });
  });

  it("are unknown, not $0, when the power is unknown", () => {
    const t = telemetry({ model: null, expectedThs: null, powerW: null, powerSource: null });
    expect(minerProfit(t, undefined, true, economics)).toMatchObject({ known: false, reason: "MARGIN_UNKNOWN" });
    expect(minerProfit({ ...t, hashrateThs: "0" }, undefined, false, economics)).toMatchObject({
      known: false,
      reason: "MARGIN_UNKNOWN",
      detail: expect.stringContaining("what it would earn is unknown"),
    });
  });

  it("are unavailable, with the reason, when the figures leave the exact range (never an exception)", () => {
    const figures = minerProfit(telemetry({ hashrateThs: "9000" }), undefined, true, { ...economics, difficulty: "1" });
    expect(figures).toEqual({
      known: false,
      reason: "PROFIT_UNAVAILABLE",
      detail: "its profit cannot be computed from 9000 TH/s and 3278 W: revenue is out of the exact integer range",
    });
  });

  it("judge each miner at the expected figures of its own cycle's economics, whether figured afresh or remembered", () => {
    const dearer = { ...economics, energyMicroUsdPerKwh: 90_000 };
    const judged = (set: typeof economics) => {
      const figures = minerProfit(telemetry(), modelById("s19"), true, set);
      if (!figures.known) throw new Error(figures.detail);
      return figures.economic;
    };
    const s19 = modelById("s19");
    const expectedPowerW = Math.round(95 * (s19?.joulesPerTh ?? 0));
    for (const set of [economics, dearer, economics, dearer])
      expect(judged(set)).toEqual(computeProfit("95", expectedPowerW, set));
    expect(judged(dearer).marginMicroUsdPerDay).toBeLessThan(judged(economics).marginMicroUsdPerDay);
  });
});
