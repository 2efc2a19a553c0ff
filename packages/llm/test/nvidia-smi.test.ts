import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectGpus, sampleGpuPower } from "../src/index.ts";

// A stand-in for the nvidia-smi binary (the hardware is what is faked): it answers the list
// query once, and in -lms mode prints three ticks for two GPUs and then keeps running like
// the real one does until it is killed.
const dir = mkdtempSync(join(tmpdir(), "pithead-smi-"));
const fakeSmi = join(dir, "nvidia-smi");
writeFileSync(
  fakeSmi,
  `#!/bin/sh
case "$*" in
  *-lms*)
    printf '0, 100.00, 81559, 1000, NVIDIA H100 80GB HBM3\\n1, 50.00, 24564, 300, NVIDIA GeForce RTX 4090\\n'
    printf '0, 110.00, 81559, 2000, NVIDIA H100 80GB HBM3\\n1, 50.00, 24564, 300, NVIDIA GeForce RTX 4090\\n'
    printf '0, 120.00, 81559, 1500, NVIDIA H100 80GB HBM3\\n1, 50.00, 24564, 300, NVIDIA GeForce RTX 4090\\n'
    exec sleep 30 ;;
  *name,memory.total*)
    printf 'NVIDIA H100 80GB HBM3, 81559\\nNVIDIA GeForce RTX 4090, 24564\\n' ;;
  *) exit 9 ;;
esac
`,
);
chmodSync(fakeSmi, 0o755);

/** A clock that advances 100 ms per reading, so the expected joules are exact. */
function steppingClock() {
  let t = -100;
  return () => (t += 100);
}

async function sampleThreeTicks(gpuIndices?: number[]) {
  let seen = 0;
  let twoSamples: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    twoSamples = resolve;
  });
  const sampler = sampleGpuPower({
    command: fakeSmi,
    now: steppingClock(),
    gpuIndices,
    // The second sample is complete once the third tick starts arriving.
    onSample: () => {
      if (++seen === 2) twoSamples();
    },
  });
  await ready;
  return await sampler.stop();
}

describe("nvidia-smi helpers", () => {
  it("detects GPUs with their memory", async () => {
    expect(await detectGpus({ command: fakeSmi })).toEqual([
      { name: "NVIDIA H100 80GB HBM3", memoryMb: 81559 },
      { name: "NVIDIA GeForce RTX 4090", memoryMb: 24564 },
    ]);
  });

  it("integrates the power of all GPUs over the sampling window into joules", async () => {
    const report = await sampleThreeTicks();
    // Ticks at 100/200/300 ms of 150/160/170 W, window 0–400 ms: 15 + 15.5 + 16.5 + 17 J.
    expect(report?.joules).toBeCloseTo(64);
    expect(report?.samples).toBe(3);
    expect(report?.peakWatts).toBe(170);
    expect(report?.averageWatts).toBeCloseTo(160);
    expect(report?.gpus).toEqual([
      { index: 0, name: "NVIDIA H100 80GB HBM3", memoryTotalMb: 81559, peakMemoryUsedMb: 2000 },
      { index: 1, name: "NVIDIA GeForce RTX 4090", memoryTotalMb: 24564, peakMemoryUsedMb: 300 },
    ]);
  });

  it("counts only the selected GPUs", async () => {
    const report = await sampleThreeTicks([0]);
    expect(report?.joules).toBeCloseTo(10 + 10.5 + 11.5 + 12);
    expect(report?.gpus.map((g) => g.index)).toEqual([0]);
  });

  it("answers nothing, without failing, when nvidia-smi is not installed", async () => {
    const missing = join(dir, "no-such-nvidia-smi");
    expect(await detectGpus({ command: missing })).toEqual([]);
    expect(await sampleGpuPower({ command: missing }).stop()).toBeUndefined();
  });
});
