// Capability matching: which jobs a miner may take. Pure; the stores pre-filter in SQL by workload
// and call `mismatch` on the candidates for the rest.
import type { Job, Miner } from "./model.ts";

/**
 * What a miner that declares no workloads (the seed's miner.sh) is offered: torch_bench only. The
 * seed's llm_gen and sd_infer are stubs that write a placeholder line ("stub: run text generation
 * here"), so a client would pay in full for nothing; a miner that really runs them declares them.
 */
export const defaultWorkloads: readonly string[] = ["torch_bench"];

export function minerWorkloads(miner: Miner): readonly string[] {
  const declared = miner.capabilities?.workloads;
  return declared && declared.length > 0 ? declared : defaultWorkloads;
}

/** Largest VRAM the miner offers: its declared limit, else its biggest GPU. */
export function minerVramMb(miner: Miner): number {
  const limit = miner.capabilities?.limits?.vram_mb;
  if (limit !== undefined) return limit;
  const gpus = miner.capabilities?.gpus ?? [];
  return gpus.reduce((max, gpu) => Math.max(max, gpu.memory_mb), 0);
}

/** Why `miner` cannot take `job`, or undefined when it can. */
export function mismatch(job: Pick<Job, "workload" | "constraints" | "maxRuntimeS">, miner: Miner): string | undefined {
  if (!minerWorkloads(miner).includes(job.workload)) return `does not run ${job.workload}`;
  const constraints = job.constraints;
  if (constraints.gpu === true && !miner.gpu) return "needs a GPU";
  if (constraints.min_vram_mb !== undefined && minerVramMb(miner) < constraints.min_vram_mb) {
    return `needs ${constraints.min_vram_mb} MB of VRAM`;
  }
  if (constraints.models && constraints.models.length > 0) {
    const models = new Set(miner.capabilities?.models ?? []);
    const missing = constraints.models.find((model) => !models.has(model));
    if (missing !== undefined) return `lacks model ${missing}`;
  }
  if (constraints.region !== undefined && miner.capabilities?.region !== constraints.region) {
    return `not in region ${constraints.region}`;
  }
  if (constraints.min_reputation !== undefined && miner.reputation < constraints.min_reputation) {
    return `reputation below ${constraints.min_reputation}`;
  }
  const maxRuntime = miner.capabilities?.limits?.max_runtime_s;
  if (maxRuntime !== undefined && job.maxRuntimeS > maxRuntime) return `runs at most ${maxRuntime} s`;
  return undefined;
}

/**
 * How many more jobs a miner may hold: the slots it asked with, capped by its declared concurrency,
 * and the coordinator's per-miner limit. `finishing` of the leases it holds are jobs it says it has
 * finished (their proofs are on the way): they free its own slots, so its next job can start while
 * a proof is delivered, but they still count against the coordinator's limit, which caps the
 * leases held however a miner counts.
 */
export function freeSlots(
  miner: Miner,
  inFlight: number,
  requestedSlots: number,
  maxInFlight: number,
  finishing = 0,
): number {
  const declared = miner.capabilities?.concurrency ?? Number.POSITIVE_INFINITY;
  const running = inFlight - Math.min(finishing, inFlight);
  return Math.max(0, Math.min(Math.min(declared, requestedSlots) - running, maxInFlight - inFlight));
}

/** Whether a miner can be handed work at all right now: not drained by an admin, not stopping. */
export function canReceiveWork(miner: Miner): boolean {
  return !miner.draining && !miner.stopping;
}
