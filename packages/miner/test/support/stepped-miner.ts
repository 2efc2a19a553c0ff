// A miner for tests that step it by hand: a manual clock, no GPUs, no start-up loop, no jitter;
// the caller drives its polls and beats and reads its log.
import { type MinerConfig, memoryLogger, startMiner, type Workload } from "../../src/index.ts";
import { ManualClock } from "./manual-clock.ts";

export async function startSteppedMiner(config: MinerConfig, options: { workloads?: Workload[] } = {}) {
  const clock = new ManualClock();
  const log = memoryLogger();
  const running = await startMiner(config, {
    clock,
    log,
    detectGpus: async () => [],
    autoStart: false,
    random: () => 0.5,
    ...(options.workloads ? { workloads: options.workloads } : {}),
  });
  return { running, clock, log };
}
