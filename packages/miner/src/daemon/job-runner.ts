// Runs one leased job to an outcome: refuses it up front when its workload is not offered here
// or its memory needs cannot be met, enforces max_runtime_s with an AbortSignal (which kills a
// child process group or aborts an in-process generation), and frees the slot even when a
// workload ignores the signal. Never throws: every path ends in "proved" or "failed" with a code.

import { memoryShortfall, readMemoryNeeds } from "../core/memory-needs.ts";
import type { LeasedJob } from "../net/coordinator-client.ts";
import { type MachineView, type Workload, WorkloadError, type WorkloadResult } from "../workloads/workload.ts";
import type { Clock } from "./clock.ts";

export type JobOutcome =
  | { kind: "proved"; result: WorkloadResult; seconds: number }
  | { kind: "failed"; code: string; message: string; seconds: number };

/** Why a job was aborted: its own deadline, the miner stopping, or its lease gone at the coordinator. */
export class JobAbort extends Error {
  readonly code: "MAX_RUNTIME_EXCEEDED" | "MINER_SHUTDOWN" | "LEASE_LOST";
  constructor(code: JobAbort["code"], message: string) {
    super(message);
    this.name = "JobAbort";
    this.code = code;
  }
}

export interface RunJobDeps {
  workloads: ReadonlyMap<string, Workload>;
  machine: MachineView;
  clock: Clock;
  /**
   * Aborted when the job must stop before its deadline: the miner gives running jobs back, or the
   * coordinator no longer leases it to this miner. A JobAbort reason is the outcome's code.
   */
  stop: AbortSignal;
  workDir: (jobId: string) => string;
  /** Passed on to the workload (WorkloadContext.endsIn). */
  endsIn?: (ms: number) => void;
}

export async function runJob(job: LeasedJob, deps: RunJobDeps): Promise<JobOutcome> {
  const started = deps.clock.now();
  const failed = (code: string, message: string): JobOutcome => ({
    kind: "failed",
    code,
    message,
    seconds: (deps.clock.now() - started) / 1000,
  });
  const workload = deps.workloads.get(job.workload);
  if (!workload) return failed("WORKLOAD_UNAVAILABLE", `this miner does not run ${job.workload}`);
  const needs = readMemoryNeeds(job.params);
  if ("error" in needs) return failed("BAD_PARAMS", needs.error);
  const freeRamMb = deps.machine.freeRamMb();
  const shortfall = memoryShortfall(needs, { vramMb: deps.machine.vramMb, freeRamMb });
  if (shortfall) return failed("INSUFFICIENT_MEMORY", shortfall);

  const controller = new AbortController();
  let aborted: (reason: JobAbort) => void = () => {};
  const abortedPromise = new Promise<never>((_, reject) => {
    aborted = reject;
  });
  abortedPromise.catch(() => {});
  const abort = (reason: JobAbort) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    aborted(reason);
  };
  const cancelTimer = deps.clock.timer(job.max_runtime_s * 1000, () =>
    abort(
      new JobAbort(
        "MAX_RUNTIME_EXCEEDED",
        `the job ran past its max_runtime_s of ${job.max_runtime_s} s and was killed`,
      ),
    ),
  );
  const onStop = () =>
    abort(
      deps.stop.reason instanceof JobAbort
        ? deps.stop.reason
        : new JobAbort("MINER_SHUTDOWN", "the miner is shutting down; job given back for another miner"),
    );
  if (deps.stop.aborted) onStop();
  else deps.stop.addEventListener("abort", onStop, { once: true });
  try {
    const run = workload.run(job, {
      signal: controller.signal,
      workDir: deps.workDir(job.id),
      limits: { maxRuntimeS: job.max_runtime_s, vramMb: deps.machine.vramMb, freeRamMb },
      ...(deps.endsIn ? { endsIn: deps.endsIn } : {}),
    });
    // A workload that ignores its signal still loses the race, so the slot frees on time.
    const result = await Promise.race([run, abortedPromise]);
    if (controller.signal.aborted) throw controller.signal.reason;
    return { kind: "proved", result, seconds: (deps.clock.now() - started) / 1000 };
  } catch (error) {
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    if (reason instanceof JobAbort) return failed(reason.code, reason.message);
    if (reason instanceof WorkloadError) return failed(reason.code, reason.message);
    return failed("WORKLOAD_FAILED", reason instanceof Error ? reason.message : String(reason));
  } finally {
    cancelTimer();
    deps.stop.removeEventListener("abort", onStop);
  }
}
