// GPU discovery and power sampling through nvidia-smi, for the miner's capabilities and its
// `tokens_per_kJ` metric. Without nvidia-smi (no NVIDIA driver) both answer "nothing" rather
// than failing: the miner then simply reports no GPU and no energy.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import {
  type GpuInfo,
  type GpuReading,
  integrateEnergy,
  LIST_QUERY,
  POWER_QUERY,
  type PowerSample,
  parseGpuList,
  parsePowerLine,
} from "./nvidia-smi-parse.ts";

export interface NvidiaSmiOptions {
  /** The nvidia-smi executable (default "nvidia-smi" on PATH). */
  command?: string;
}

/** The machine's NVIDIA GPUs, or [] when nvidia-smi is missing or fails. */
export function detectGpus(options: NvidiaSmiOptions & { timeoutMs?: number } = {}): Promise<GpuInfo[]> {
  const args = [`--query-gpu=${LIST_QUERY}`, "--format=csv,noheader,nounits"];
  return new Promise((resolve) => {
    execFile(options.command ?? "nvidia-smi", args, { timeout: options.timeoutMs ?? 10_000 }, (error, stdout) => {
      resolve(error ? [] : parseGpuList(stdout));
    });
  });
}

export interface GpuEnergyReport {
  joules: number;
  averageWatts: number;
  peakWatts: number;
  durationMs: number;
  samples: number;
  gpus: { index: number; name: string; memoryTotalMb: number | undefined; peakMemoryUsedMb: number | undefined }[];
}

export interface GpuPowerSampler {
  /** Stops sampling; undefined when nvidia-smi is missing or gave no power readings. */
  stop(): Promise<GpuEnergyReport | undefined>;
}

export interface SampleGpuPowerOptions extends NvidiaSmiOptions {
  /** Sampling period in ms (default 100; nvidia-smi's own floor is about 10 ms). */
  intervalMs?: number;
  /** Only these GPU indices count (default all). */
  gpuIndices?: number[];
  /** Clock in ms (default performance.now). */
  now?: () => number;
  /** Called with each sample as it arrives (tests and live displays). */
  onSample?: (sample: PowerSample) => void;
}

/**
 * Starts one `nvidia-smi -lms` process that prints every GPU's power each interval, and
 * integrates the summed power of the selected GPUs into joules when stopped. Start it
 * right before a generation and stop it right after.
 */
export function sampleGpuPower(options: SampleGpuPowerOptions = {}): GpuPowerSampler {
  const now = options.now ?? (() => performance.now());
  const selected = options.gpuIndices ? new Set(options.gpuIndices) : undefined;
  const startedAt = now();
  const samples: PowerSample[] = [];
  const gpus = new Map<number, GpuEnergyReport["gpus"][number]>();
  let tick: { at: number; readings: GpuReading[] } | undefined;

  const flush = () => {
    if (!tick) return;
    const powered = tick.readings.filter((r) => r.powerWatts !== undefined);
    if (powered.length > 0) {
      const sample = { at: tick.at, watts: powered.reduce((sum, r) => sum + (r.powerWatts ?? 0), 0) };
      samples.push(sample);
      options.onSample?.(sample);
    }
    tick = undefined;
  };

  const onLine = (line: string) => {
    const reading = parsePowerLine(line);
    if (!reading || (selected && !selected.has(reading.index))) return;
    const used = [gpus.get(reading.index)?.peakMemoryUsedMb, reading.memoryUsedMb].filter((n) => n !== undefined);
    gpus.set(reading.index, {
      index: reading.index,
      name: reading.name,
      memoryTotalMb: reading.memoryTotalMb,
      peakMemoryUsedMb: used.length > 0 ? Math.max(...used) : undefined,
    });
    // Every GPU prints once per tick: an index seen again starts the next tick.
    if (tick?.readings.some((r) => r.index === reading.index)) flush();
    tick ??= { at: now(), readings: [] };
    tick.readings.push(reading);
  };

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  try {
    child = spawn(
      options.command ?? "nvidia-smi",
      [`--query-gpu=${POWER_QUERY}`, "--format=csv,noheader,nounits", "-lms", String(options.intervalMs ?? 100)],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    const proc = child;
    exited = new Promise((resolve) => {
      proc.once("close", () => resolve());
      // ENOENT (no nvidia-smi) arrives here; the report is then undefined.
      proc.once("error", () => resolve());
    });
    if (proc.stdout) createInterface({ input: proc.stdout }).on("line", onLine);
  } catch {
    child = undefined;
  }

  return {
    async stop() {
      const endedAt = now();
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      flush();
      if (samples.length === 0) return undefined;
      const joules = integrateEnergy(samples, startedAt, Math.max(endedAt, samples[samples.length - 1]?.at ?? endedAt));
      const durationMs = endedAt - startedAt;
      return {
        joules,
        averageWatts: durationMs > 0 ? (joules * 1000) / durationMs : (samples[0]?.watts ?? 0),
        peakWatts: Math.max(...samples.map((s) => s.watts)),
        durationMs,
        samples: samples.length,
        gpus: [...gpus.values()].sort((a, b) => a.index - b.index),
      };
    },
  };
}
