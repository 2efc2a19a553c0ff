import { describe, expect, it } from "vitest";
import { blockSubsidySat, computeProfit, microUsd } from "./profit.ts";

const noCost = { energyMicroUsdPerKwh: 0, poolFeePpm: 0, feesPerBlockSat: 0, height: 900_000 };

describe("profit engine", () => {
  it("worked check from the spec: difficulty 1e14, no fees → 6.286e-7 BTC (≈ 62.9 sat) per TH/s per day", () => {
    const profit = computeProfit("1", 0, { ...noCost, difficulty: "100000000000000", microUsdPerBtc: 0 });
    expect(Number(profit.revenueBtcPerDay)).toBeCloseTo(6.286e-7, 10);
    expect(profit.revenueMsatPerDay / 1000).toBeCloseTo(62.9, 1);
    // 1e12 × 86,400 × 3.125 BTC / (1e14 × 2^32) exactly, floored to millisatoshi.
    expect(profit.revenueMsatPerDay).toBe(62864);
  });

  it("scales linearly with hashrate and takes the pool fee off", () => {
    const economics = { ...noCost, difficulty: "1e14", microUsdPerBtc: 100_000_000_000 };
    const one = computeProfit("100", 0, economics);
    const withFee = computeProfit("100", 0, { ...economics, poolFeePpm: 20_000 });
    // 100 × 62,864.27… msat = 6,286,427.35… msat, floored.
    expect(one.revenueMsatPerDay).toBe(6_286_427);
    expect(one.revenueBtcPerDay).toBe("0.00006286427");
    expect(withFee.revenueMsatPerDay).toBe(6_160_698);
    // At $100,000 per BTC, 0.0000628642… BTC a day is $6.286427.
    expect(one.revenueMicroUsdPerDay).toBe(6_286_427);
    expect(one.hashpriceMicroUsdPerThDay).toBe(62_864);
  });

  it("adds the trailing fees per block to the subsidy", () => {
    const base = { ...noCost, difficulty: "1e14", microUsdPerBtc: 0 };
    const without = computeProfit("1", 0, base).revenueMsatPerDay;
    const withFees = computeProfit("1", 0, { ...base, feesPerBlockSat: 31_250_000 }).revenueMsatPerDay; // +10 %
    expect(withFees / without).toBeCloseTo(1.1, 4);
  });

  it("costs watts / 1000 × 24 × price per kWh, in micro-dollars, and margin = revenue − cost", () => {
    const profit = computeProfit("95", 3250, {
      difficulty: "1.26e14",
      feesPerBlockSat: 2_000_000,
      height: 900_000,
      microUsdPerBtc: 100_000_000_000,
      energyMicroUsdPerKwh: 65_000,
      poolFeePpm: 20_000,
    });
    expect(profit.costMicroUsdPerDay).toBe(3250 * 24 * 65); // 3.25 kW × 24 h × $0.065 = $5.07
    expect(profit.marginMicroUsdPerDay).toBe(profit.revenueMicroUsdPerDay - profit.costMicroUsdPerDay);
    expect(profit.marginMicroUsdPerDay).toBeLessThan(0);
  });

  it("halves the subsidy every 210,000 blocks", () => {
    expect(blockSubsidySat(0)).toBe(5_000_000_000n);
    expect(blockSubsidySat(839_999)).toBe(625_000_000n);
    expect(blockSubsidySat(840_000)).toBe(312_500_000n);
    expect(blockSubsidySat(1_050_000)).toBe(156_250_000n);
    expect(blockSubsidySat(null)).toBe(312_500_000n);
  });

  it("keeps every figure an integer (nothing a float could change in a hash)", () => {
    const profit = computeProfit("137.123456", 2950, {
      difficulty: "121507793131898.1",
      feesPerBlockSat: 1_234_567,
      height: 880_000,
      microUsdPerBtc: 97_345_120_000,
      energyMicroUsdPerKwh: 48_500,
      poolFeePpm: 15_000,
    });
    for (const value of [
      profit.revenueMsatPerDay,
      profit.revenueMicroUsdPerDay,
      profit.costMicroUsdPerDay,
      profit.marginMicroUsdPerDay,
      profit.hashpriceMicroUsdPerThDay,
    ]) {
      expect(Number.isSafeInteger(value)).toBe(true);
    }
    expect(profit.revenueBtcPerDay).toMatch(/^\d+\.\d{1,11}$/);
  });

  it("refuses a difficulty that is not a positive decimal", () => {
    expect(() => computeProfit("1", 0, { ...noCost, difficulty: "0", microUsdPerBtc: 1 })).toThrow(/difficulty/);
    expect(() => computeProfit("1", 0, { ...noCost, difficulty: "lots", microUsdPerBtc: 1 })).toThrow(/difficulty/);
  });

  it("parses dollar prices into micro-dollars exactly", () => {
    expect(microUsd("0.065")).toBe(65_000);
    expect(microUsd("97345.12")).toBe(97_345_120_000);
    expect(microUsd("0.0000005")).toBe(1);
    expect(microUsd("abc")).toBeUndefined();
  });
});
