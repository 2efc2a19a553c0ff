// Wires a configured miner together and starts it: the WORK_DIR outbox, the Ed25519 key, the
// machine, the workloads this machine can run, the coordinator client, then the loops. Used by
// `pithead miner start`, `pithead up` and the tests. Refuses to start when ACCEL_MODE cannot be
// honoured here (MinerConfigError, before anything is written), when another miner holds WORK_DIR
// (WorkDirInUseError), or when no workload can run here (MinerStartError): a miner advertising
// nothing would sit idle looking healthy.

import type { GpuInfo } from "@pithead/llm";
import { type MinerConfig, MinerConfigError } from "../config/load-config.ts";
import { loadOrCreateMinerKey, type MinerKey } from "../identity/miner-key.ts";
import { detectMachine } from "../machine/machine.ts";
import { CoordinatorClient, versionedBaseHint } from "../net/coordinator-client.ts";
import { ResultStore } from "../store/result-store.ts";
import { lockWorkDir } from "../store/work-dir-lock.ts";
import { createWorkloads } from "../workloads/registry.ts";
import type { Availability, Workload } from "../workloads/workload.ts";
import { type Clock, systemClock } from "./clock.ts";
import { createLogger, type Logger } from "./logger.ts";
import { Miner } from "./miner.ts";

export class MinerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MinerStartError";
  }
}

export interface StartMinerOptions {
  clock?: Clock;
  log?: Logger;
  /** Default: nvidia-smi through @pithead/llm. */
  detectGpus?: () => Promise<GpuInfo[]>;
  /** Default: the workloads built from the config (llm_gen, torch_bench, sd_infer). */
  workloads?: Workload[];
  random?: () => number;
  /** false: prepare everything but leave the loops to the caller's steps (tests). Default true. */
  autoStart?: boolean;
}

export interface RunningMiner {
  miner: Miner;
  availability: Map<string, Availability>;
  publicKey: string;
  /** Graceful stop; see Miner.stop. */
  stop(graceMs?: number): Promise<{ gaveBack: number; pending: number }>;
}

export async function startMiner(config: MinerConfig, options: StartMinerOptions = {}): Promise<RunningMiner> {
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  // Every check before anything is written: a WORKLOADS naming no known workload, then an
  // ACCEL_MODE this machine cannot honour, are settings refused (MinerConfigError, exit 2).
  const workloads = options.workloads ?? createWorkloads(config);
  const machine = await detectMachine(config.accelMode, { detectGpus: options.detectGpus });
  if (machine.accelProblem) throw new MinerConfigError("ACCEL_MODE", machine.accelProblem);
  // WORK_DIR is ours before the first write to it (the outbox, the key, the tiny model).
  const unlock = lockWorkDir(config.workDir);
  let miner: Miner;
  let key: MinerKey;
  let availability: Map<string, Availability>;
  try {
    const store = new ResultStore(config.workDir, () => clock.now());
    // One pass over WORK_DIR now; from here on no delivery pass reads a settled result.
    const indexed = await store.load();
    log.debug("results in WORK_DIR", { pending: indexed.pending, settled: indexed.settled });
    key = loadOrCreateMinerKey(config.keyFile);
    if (key.created) log.info("created the miner's Ed25519 key", { file: config.keyFile, public_key: key.publicKey });
    miner = new Miner({
      config,
      client: new CoordinatorClient({ baseUrl: config.coordUrl, apiKey: config.apiKey }),
      store,
      key,
      workloads,
      machine,
      clock,
      log,
      random: options.random,
    });
    // Before any job runs: what a crash left (a job folder never committed) goes now.
    await miner.sweepLeftovers();
    availability = await miner.prepare();
  } catch (error) {
    await Promise.all(workloads.map((w) => w.close?.()));
    unlock();
    throw error;
  }
  for (const [name, a] of availability)
    log.info(a.available ? "workload offered" : "workload not offered", { workload: name, reason: a.reason });
  if (miner.offered.size === 0) {
    await Promise.all(workloads.map((w) => w.close?.()));
    unlock();
    const why = [...availability].map(([name, a]) => `${name}: ${a.reason}`).join("; ");
    throw new MinerStartError(`no workload can run on this machine (${why || "none configured"})`);
  }
  if (config.faultCorruptOutput) {
    log.warn(
      "FAULT_CORRUPT_OUTPUT=1: this miner proves deliberately wrong outputs (test only; it will lose reputation)",
    );
  }
  log.info("miner starting", {
    miner_id: config.minerId,
    coordinator: config.coordUrl,
    wallet: config.walletAddr,
    accel: machine.accel,
    slots: config.maxConcurrency,
    heartbeat_s: config.heartbeatSecs,
    work_dir: config.workDir,
    public_key: key.publicKey,
  });
  const hint = versionedBaseHint(config.coordUrl);
  if (hint) log.warn(`${hint}: requests to ${config.coordUrl}/v1/... will not be found`);
  if (options.autoStart !== false) miner.start();
  const running = miner;
  return {
    miner: running,
    availability,
    publicKey: key.publicKey,
    // WORK_DIR is given up once the miner has stopped, for the next start (a crash leaves a lock
    // whose pid is gone, taken over then).
    stop: (graceMs) => running.stop(graceMs).finally(unlock),
  };
}
