import { describe, expect, it } from "vitest";
import { groupReadings, integrateEnergy, parseGpuList, parsePowerLine } from "./nvidia-smi-parse.ts";

// Output in the form `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` prints.
const twoGpus = "NVIDIA H100 80GB HBM3, 81559\nNVIDIA GeForce RTX 4090, 24564\n";
// And `--query-gpu=index,power.draw,memory.total,memory.used,name` (a T4 under load,
// and an old board that does not report power).
const powerLines = [
  "0, 70.35, 15360, 10241, Tesla T4",
  "1, [N/A], 4096, 12, Quadro K2000",
  "0, 68.12, 15360, 10243, Tesla T4",
  "1, [N/A], 4096, 12, Quadro K2000",
];

describe("nvidia-smi parsing", () => {
  it("lists GPUs with their memory", () => {
    expect(parseGpuList(twoGpus)).toEqual([
      { name: "NVIDIA H100 80GB HBM3", memoryMb: 81559 },
      { name: "NVIDIA GeForce RTX 4090", memoryMb: 24564 },
    ]);
    expect(parseGpuList("")).toEqual([]);
    expect(parseGpuList("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n")).toEqual([]);
  });

  it("reads power lines, keeping boards without power readings as undefined", () => {
    expect(parsePowerLine(powerLines[0] as string)).toEqual({
      index: 0,
      powerWatts: 70.35,
      memoryTotalMb: 15360,
      memoryUsedMb: 10241,
      name: "Tesla T4",
    });
    expect(parsePowerLine(powerLines[1] as string)?.powerWatts).toBeUndefined();
    expect(parsePowerLine("garbage")).toBeUndefined();
  });

  it("groups one reading per GPU into ticks", () => {
    const readings = powerLines.map((line) => parsePowerLine(line)).filter((r) => r !== undefined);
    expect(groupReadings(readings).map((tick) => tick.map((r) => r.index))).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it("integrates power into joules, holding the end samples flat to the window edges", () => {
    // 100 W for 1 s then ramping to 200 W over 1 s: 100 + 150 = 250 J, plus 200 W for 0.5 s after.
    const samples = [
      { at: 1000, watts: 100 },
      { at: 2000, watts: 100 },
      { at: 3000, watts: 200 },
    ];
    expect(integrateEnergy(samples, 0, 3500)).toBeCloseTo(100 + 100 + 150 + 100);
    expect(integrateEnergy([], 0, 1000)).toBe(0);
    expect(integrateEnergy([{ at: 500, watts: 300 }], 0, 1000)).toBeCloseTo(300);
  });
});
