// torch_bench: the seed's PyTorch matrix benchmark (torch-bench.py beside this file), run by
// the configured Python when it has torch. The interpreter runs in its own process group so
// max_runtime_s kills it and anything it started.
// Output: what replicas agree on, so `verification: replicate` can reach a quorum — the digest of
// the benchmark's own result on inputs seeded by the job id, computed exactly (integers mod a
// small prime in float32, see the script), the same bits on a CPU or any GPU. The timings differ
// from run to run, so they are metrics (seconds, TFLOP/s), never part of the proven output.
// Params: {n? (matrix size, default 1024), iters? (default 100)}.

import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runChild } from "../machine/child-process.ts";
import type { LeasedJob } from "../net/coordinator-client.ts";
import {
  type Availability,
  intParam,
  type MachineView,
  paramsOf,
  type Workload,
  type WorkloadContext,
  WorkloadError,
  type WorkloadResult,
} from "./workload.ts";

const SCRIPT = fileURLToPath(new URL("./torch-bench.py", import.meta.url));
const PROBE = "import json, torch; print(json.dumps({'torch': torch.__version__, 'cuda': torch.cuda.is_available()}))";

/** Validates torch_bench params: the matrix size and how many products. */
export function torchBenchParams(job: LeasedJob): { n: number; iters: number } {
  const params = paramsOf(job);
  return { n: intParam(params, "n", 16, 16_384, 1024), iters: intParam(params, "iters", 1, 100_000, 100) };
}

/** The inputs' seed: from the job id, so every replica of a job computes the same, and jobs differ. */
export function torchBenchSeed(jobId: string): number {
  return Number.parseInt(createHash("sha256").update(jobId).digest("hex").slice(0, 7), 16);
}

/** The proven output: the result's fields in a fixed order, one line. */
function resultOutput(result: Record<string, unknown>): string {
  const keys = ["workload", "n", "iters", "seed", "modulus", "digest"];
  return `${JSON.stringify(Object.fromEntries(keys.map((key) => [key, result[key]])))}\n`;
}

export class TorchBenchWorkload implements Workload {
  readonly name = "torch_bench";
  readonly #python: string;
  #device: "cpu" | "auto" = "auto";

  constructor(python: string) {
    this.#python = python;
  }

  async detect(machine: MachineView): Promise<Availability> {
    this.#device = machine.accel === "gpu" ? "auto" : "cpu";
    let result: Awaited<ReturnType<typeof runChild>>;
    try {
      result = await runChild(this.#python, ["-c", PROBE], { signal: AbortSignal.timeout(60_000) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        available: false,
        reason:
          code === "ENOENT"
            ? `${this.#python} not found (set TORCH_PYTHON)`
            : `${this.#python}: ${(error as Error).message}`,
      };
    }
    if (result.code !== 0) {
      const last = result.stderr.trim().split("\n").at(-1) ?? "";
      return {
        available: false,
        reason: /No module named .?torch/.test(result.stderr)
          ? `${this.#python} has no torch module (pip install torch, or set TORCH_PYTHON)`
          : `${this.#python} failed: ${last}`,
      };
    }
    try {
      const probe = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "") as { torch: string; cuda: boolean };
      const cuda = probe.cuda
        ? machine.accel === "gpu"
          ? ", CUDA"
          : ", CUDA present but ACCEL_MODE keeps it on the CPU"
        : ", CPU only";
      return { available: true, reason: `${this.#python} with torch ${probe.torch}${cuda}` };
    } catch {
      return { available: false, reason: `${this.#python} printed an unexpected probe answer` };
    }
  }

  async run(job: LeasedJob, ctx: WorkloadContext): Promise<WorkloadResult> {
    const { n, iters } = torchBenchParams(job);
    const result = await runChild(this.#python, [SCRIPT], {
      signal: ctx.signal,
      cwd: ctx.workDir,
      input: JSON.stringify({ n, iters, seed: torchBenchSeed(job.id), device: this.#device }),
    });
    if (result.killed || ctx.signal.aborted)
      throw ctx.signal.reason ?? new WorkloadError("WORKLOAD_FAILED", "torch_bench was killed");
    if (result.code !== 0) {
      const last = result.stderr.trim().split("\n").slice(-3).join(" | ");
      const code = /out of memory|CUDA error: out of memory|MemoryError/i.test(result.stderr)
        ? "INSUFFICIENT_MEMORY"
        : "WORKLOAD_FAILED";
      throw new WorkloadError(code, `torch_bench exited with ${result.code ?? result.signal}: ${last}`);
    }
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    let report: {
      result: Record<string, unknown>;
      seconds: number;
      tflops: number;
      device: string;
      n: number;
      throughput_ops: number;
      torch: string;
    };
    try {
      report = JSON.parse(line);
      if (typeof report.result?.digest !== "string") throw new Error("no result");
    } catch {
      throw new WorkloadError(
        "WORKLOAD_FAILED",
        `torch_bench printed no report: ${JSON.stringify(line.slice(0, 200))}`,
      );
    }
    return {
      output: resultOutput(report.result),
      contentType: "application/json",
      metrics: {
        seconds: report.seconds,
        tflops: report.tflops,
        device: report.device,
        n: report.n,
        iters: report.throughput_ops,
        torch: report.torch,
      },
    };
  }
}
