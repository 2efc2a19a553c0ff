// `pithead miner doctor`: what this machine can run and why not — the accelerator, GPUs,
// memory, each workload's availability with its reason, the models, the key, WORK_DIR and
// whether the coordinator answers. Changes nothing, except that llm_gen's default tiny model is
// written into WORK_DIR/models when it is missing (as a start would).

import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import type { GpuInfo } from "@pithead/llm";
import type { MinerConfig } from "./config/load-config.ts";
import { detectMachine, largestVramMb } from "./machine/machine.ts";
import { ResultStore } from "./store/result-store.ts";
import { createWorkloads } from "./workloads/registry.ts";
import type { Availability, Workload } from "./workloads/workload.ts";

export interface DoctorReport {
  minerId: string;
  accel: { mode: string; using: "gpu" | "cpu"; reason: string; problem: string | undefined };
  gpus: { name: string; memory_mb: number }[];
  memory: { ram_mb: number; free_ram_mb: number; vram_mb: number };
  cpus: number;
  workloads: { name: string; available: boolean; reason: string; models: string[] }[];
  workDir: { path: string; writable: boolean; pendingResults: number };
  key: { file: string; exists: boolean };
  coordinator: { url: string; reachable: boolean | undefined; detail: string };
  /** False when the miner would refuse to start. */
  ok: boolean;
}

export interface DoctorOptions {
  detectGpus?: () => Promise<GpuInfo[]>;
  workloads?: Workload[];
  /** Skip contacting the coordinator (offline checks). */
  offline?: boolean;
}

async function checkCoordinator(config: MinerConfig): Promise<DoctorReport["coordinator"]> {
  if (!config.coordUrl) return { url: "", reachable: undefined, detail: "COORD_URL is not set" };
  try {
    const response = await fetch(`${config.coordUrl}/health`, { signal: AbortSignal.timeout(5000) });
    return { url: config.coordUrl, reachable: true, detail: `GET /health answered ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { url: config.coordUrl, reachable: false, detail: `unreachable (${cause ?? (error as Error).message})` };
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function minerDoctor(config: MinerConfig, options: DoctorOptions = {}): Promise<DoctorReport> {
  const machine = await detectMachine(config.accelMode, { detectGpus: options.detectGpus });
  const view = { accel: machine.accel, vramMb: largestVramMb(machine), freeRamMb: () => machine.freeRamMb() };
  const workloads = options.workloads ?? createWorkloads(config);
  const results: DoctorReport["workloads"] = [];
  for (const workload of workloads) {
    const a: Availability = await workload
      .detect(view)
      .catch((error: unknown) => ({ available: false, reason: (error as Error).message }));
    results.push({ name: workload.name, available: a.available, reason: a.reason, models: a.models ?? [] });
    await workload.close?.();
  }
  let pending = 0;
  // A missing WORK_DIR is created at start: then what matters is whether its parent is writable.
  let dirWritable = writable(dirname(config.workDir));
  if (existsSync(config.workDir)) {
    dirWritable = writable(config.workDir);
    try {
      pending = new ResultStore(config.workDir).pending().length;
    } catch {
      pending = 0;
    }
  }
  return {
    minerId: config.minerId,
    accel: { mode: config.accelMode, using: machine.accel, reason: machine.accelReason, problem: machine.accelProblem },
    gpus: machine.gpus.map((g) => ({ name: g.name, memory_mb: Math.floor(g.memoryMb) })),
    memory: { ram_mb: machine.ramMb, free_ram_mb: machine.freeRamMb(), vram_mb: largestVramMb(machine) },
    cpus: machine.cpus,
    workloads: results,
    workDir: { path: config.workDir, writable: dirWritable, pendingResults: pending },
    key: { file: config.keyFile, exists: existsSync(config.keyFile) },
    coordinator: options.offline
      ? { url: config.coordUrl, reachable: undefined, detail: "not checked (--offline)" }
      : await checkCoordinator(config),
    ok: machine.accelProblem === undefined && results.some((w) => w.available),
  };
}
