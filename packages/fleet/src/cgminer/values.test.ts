import { describe, expect, it } from "vitest";
import { chipStatus, pickNumber, toNumber, toReadings } from "./values.ts";

describe("reading loosely typed firmware values", () => {
  it("reads numbers given as numbers, numeric strings and SI-suffixed strings", () => {
    expect(toNumber(54512.07)).toBe(54512.07);
    expect(toNumber("54997.01")).toBe(54997.01);
    expect(toNumber("39.5K")).toBe(39_500);
    expect(toNumber("1.2M")).toBe(1_200_000);
    expect(toNumber("6.549208933E7")).toBe(65_492_089.33);
    expect(toNumber("'20'")).toBe(20);
  });

  it('treats "" (an absent chain), "inf", "nan", null and junk as absent', () => {
    for (const value of ["", "  ", "inf", "nan", "-nan", "N/A", null, undefined, true, [], {}]) {
      expect(toNumber(value as never), JSON.stringify(value)).toBeUndefined();
    }
    expect(toNumber(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it("splits dash-joined sensor lists and drops the zeros of absent sensors", () => {
    expect(toReadings("48-80-49-70")).toEqual([48, 80, 49, 70]);
    expect(toReadings("0-0-0-0")).toEqual([]);
    expect(toReadings(77)).toEqual([77]);
    expect(toReadings(0)).toEqual([]);
  });

  it("counts good (o) and bad (x) chips in a chain status string", () => {
    expect(chipStatus(" oooooooo ooooxooo oo")).toEqual({ good: 17, bad: 1 });
    expect(chipStatus("")).toBeUndefined();
  });

  it("finds keys whatever their case, first usable key winning", () => {
    expect(pickNumber({ "mhs av": "", "MHS 5s": "12.5" }, "MHS av", "MHS 5s")).toBe(12.5);
  });
});
