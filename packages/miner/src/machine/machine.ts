// What this machine is: its GPUs (through nvidia-smi), memory and cores, and the accelerator
// the miner uses given ACCEL_MODE. Detected once at start; free memory is read per job.

import { availableParallelism, freemem, totalmem } from "node:os";
import { detectGpus, type GpuInfo } from "@pithead/llm";
import type { AccelMode } from "../config/load-config.ts";

export interface Machine {
  accel: "gpu" | "cpu";
  /** Why that accelerator (for doctor and the start log). */
  accelReason: string;
  /** Set when ACCEL_MODE cannot be honoured (gpu asked, none found): start refuses. */
  accelProblem: string | undefined;
  gpus: GpuInfo[];
  ramMb: number;
  cpus: number;
  /** RAM the OS could give now, MB. */
  freeRamMb(): number;
}

export function resolveAccel(
  mode: AccelMode,
  gpus: readonly GpuInfo[],
): Pick<Machine, "accel" | "accelReason" | "accelProblem"> {
  const found =
    gpus.length > 0
      ? `${gpus.length} NVIDIA ${gpus.length === 1 ? "GPU" : "GPUs"}: ${gpus.map((g) => g.name).join(", ")}`
      : undefined;
  if (mode === "cpu") return { accel: "cpu", accelReason: "ACCEL_MODE=cpu", accelProblem: undefined };
  if (found)
    return { accel: "gpu", accelReason: `ACCEL_MODE=${mode}, nvidia-smi found ${found}`, accelProblem: undefined };
  if (mode === "gpu") {
    return {
      accel: "cpu",
      accelReason: "no GPU",
      accelProblem:
        "ACCEL_MODE=gpu but nvidia-smi found no NVIDIA GPU (install the driver, or set ACCEL_MODE=auto or cpu)",
    };
  }
  return { accel: "cpu", accelReason: "ACCEL_MODE=auto and nvidia-smi found no NVIDIA GPU", accelProblem: undefined };
}

export interface DetectOptions {
  /** Default: @pithead/llm's detectGpus (nvidia-smi). */
  detectGpus?: () => Promise<GpuInfo[]>;
}

export async function detectMachine(mode: AccelMode, options: DetectOptions = {}): Promise<Machine> {
  const gpus = mode === "cpu" ? [] : await (options.detectGpus ?? (() => detectGpus()))();
  return {
    ...resolveAccel(mode, gpus),
    gpus,
    ramMb: Math.floor(totalmem() / 2 ** 20),
    cpus: availableParallelism(),
    freeRamMb: () => Math.floor(freemem() / 2 ** 20),
  };
}

/** The largest GPU's memory, MB (0 without one). */
export function largestVramMb(machine: Pick<Machine, "gpus" | "accel">): number {
  if (machine.accel !== "gpu") return 0;
  return machine.gpus.reduce((max, gpu) => Math.max(max, Math.floor(gpu.memoryMb)), 0);
}
