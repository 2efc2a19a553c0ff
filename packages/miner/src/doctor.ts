// `pithead miner doctor`: what this machine can run and why not — the accelerator, GPUs,
// memory, each workload's availability with its reason, the models, the key, WORK_DIR and
// whether the coordinator answers and takes API_KEY. Changes nothing, except that llm_gen's
// default tiny model is written into WORK_DIR/models when it is missing (as a start would).

import { accessSync, constants, existsSync } from "node:fs";
import { dirname } from "node:path";
import type { GpuInfo } from "@pithead/llm";
import { apiKeyOrigin } from "./config/api-key-origin.ts";
import type { MinerConfig } from "./config/load-config.ts";
import { isPlaceholderApiKey, placeholderApiKeyText } from "./config/placeholder-api-key.ts";
import { detectMachine, largestVramMb } from "./machine/machine.ts";
import { CoordinatorClient, versionedBaseHint } from "./net/coordinator-client.ts";
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
  /**
   * reachable: whether the miner can work with it — false for no answer, a /health that is not
   * 2xx (a wrong COORD_URL) or an API_KEY it refuses; apiKey: that last check alone.
   */
  coordinator: {
    url: string;
    reachable: boolean | undefined;
    detail: string;
    apiKey: { accepted: boolean | undefined; detail: string };
  };
  /** What stands between this machine and earning, each with what the miner would do about it. */
  problems: string[];
  /** No problems: `pithead miner start` would run and take work. */
  ok: boolean;
}

export interface DoctorOptions {
  detectGpus?: () => Promise<GpuInfo[]>;
  workloads?: Workload[];
  /** Skip contacting the coordinator (offline checks). */
  offline?: boolean;
}

const notChecked = (detail: string) => ({ accepted: undefined, detail });
/** No COORD_URL: nothing to contact, online or not, and the miner would not start. */
const unsetCoordinator: DoctorReport["coordinator"] = {
  url: "",
  reachable: false,
  detail: "COORD_URL is not set",
  apiKey: notChecked("not checked"),
};
const hintOf = (url: string) => {
  const hint = versionedBaseHint(url);
  return hint === undefined ? "" : `: ${hint}`;
};

async function checkCoordinator(config: MinerConfig): Promise<DoctorReport["coordinator"]> {
  const health = `${config.coordUrl}/health`;
  let status: number;
  try {
    status = (await fetch(health, { signal: AbortSignal.timeout(5000) })).status;
  } catch (error) {
    // fetch says only "fetch failed": why is in its cause (ECONNREFUSED, ENOTFOUND, "bad port").
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      url: config.coordUrl,
      reachable: false,
      detail: `unreachable (${cause?.code ?? cause?.message ?? (error as Error).message})`,
      apiKey: notChecked("not checked"),
    };
  }
  if (status < 200 || status >= 300) {
    return {
      url: config.coordUrl,
      reachable: false,
      detail: `GET ${health} answered ${status}, not a coordinator's health${hintOf(config.coordUrl)}`,
      apiKey: notChecked("not checked"),
    };
  }
  const apiKey = await checkApiKey(config);
  return {
    url: config.coordUrl,
    reachable: apiKey.accepted !== false,
    detail: `GET ${health} answered ${status}; ${apiKey.detail}`,
    apiKey,
  };
}

/**
 * Whether the coordinator takes API_KEY, with a read a miner key may make and that changes nothing:
 * its wallet's balance (before the first start registers the miner, the coordinator says so, which
 * also means the key was accepted).
 */
async function checkApiKey(config: MinerConfig): Promise<DoctorReport["coordinator"]["apiKey"]> {
  if (!config.apiKey) return { accepted: false, detail: "API_KEY is not set" };
  if (isPlaceholderApiKey(config.apiKey)) return { accepted: false, detail: placeholderApiKeyText("API_KEY") };
  const client = new CoordinatorClient({ baseUrl: config.coordUrl, apiKey: config.apiKey, timeoutMs: 5000 });
  const path = "/v1/wallet/balance";
  let answer: Awaited<ReturnType<CoordinatorClient["request"]>>;
  try {
    answer = await client.request("GET", path);
  } catch (error) {
    return { accepted: undefined, detail: `API_KEY not checked: ${(error as Error).message}` };
  }
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `HTTP_${answer.status}`;
  if (answer.status >= 200 && answer.status < 300) return { accepted: true, detail: "API_KEY accepted" };
  if (code === "MINER_NOT_REGISTERED") {
    return { accepted: true, detail: "API_KEY accepted (the first start registers MINER_ID)" };
  }
  const said = typeof error?.message === "string" ? `: ${error.message}` : "";
  const why = `GET ${client.urlOf(path)} answered ${answer.status} ${code}${said}`;
  if (answer.status === 401 || answer.status === 403) {
    return { accepted: false, detail: `API_KEY refused (unknown, revoked or not a miner key): ${why}` };
  }
  return { accepted: undefined, detail: `API_KEY not checked: ${why}` };
}

/** Why the miner would not earn here: it would refuse to start, stop, or wait on the coordinator. */
function readinessProblems(
  config: MinerConfig,
  accelProblem: string | undefined,
  workloads: DoctorReport["workloads"],
  workDirWritable: boolean,
  coordinator: DoctorReport["coordinator"],
): string[] {
  const problems: string[] = [];
  // Doctor loads without them (to check an unconfigured box); `miner start` requires them.
  const unset = (
    [
      ["COORD_URL", config.coordUrl],
      ["WALLET_ADDR", config.walletAddr],
      ["API_KEY", config.apiKey],
    ] as const
  )
    .filter(([, value]) => !value)
    .map(([key]) => key);
  if (unset.length > 0)
    problems.push(`${unset.join(", ")} ${unset.length === 1 ? "is" : "are"} not set (the miner would refuse to start)`);
  if (accelProblem !== undefined) problems.push(`the accelerator: ${accelProblem} (the miner would refuse to start)`);
  if (!workloads.some((w) => w.available)) problems.push("no workload can run here (the miner would refuse to start)");
  if (!workDirWritable) problems.push("WORK_DIR is not writable (the miner would refuse to start)");
  // Offline too: the installer's placeholder is never a key any coordinator takes.
  const placeholder = isPlaceholderApiKey(config.apiKey);
  if (placeholder)
    problems.push(
      `${placeholderApiKeyText(apiKeyOrigin(config))} (\`miner start\` would exit 78 at its first heartbeat)`,
    );
  if (!config.coordUrl || !config.apiKey) return problems;
  if (coordinator.apiKey.accepted === false) {
    if (!placeholder)
      problems.push(
        "the coordinator refuses API_KEY (`miner start` would exit 78 at its first heartbeat: retrying cannot fix it)",
      );
  } else if (coordinator.reachable === false) {
    problems.push("no coordinator answers at COORD_URL (the miner would start and keep retrying)");
  }
  return problems;
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
  const coordinator: DoctorReport["coordinator"] = !config.coordUrl
    ? unsetCoordinator
    : options.offline
      ? {
          url: config.coordUrl,
          reachable: undefined,
          detail: "not checked (--offline)",
          apiKey: notChecked("not checked (--offline)"),
        }
      : await checkCoordinator(config);
  const problems = readinessProblems(config, machine.accelProblem, results, dirWritable, coordinator);
  return {
    minerId: config.minerId,
    accel: { mode: config.accelMode, using: machine.accel, reason: machine.accelReason, problem: machine.accelProblem },
    gpus: machine.gpus.map((g) => ({ name: g.name, memory_mb: Math.floor(g.memoryMb) })),
    memory: { ram_mb: machine.ramMb, free_ram_mb: machine.freeRamMb(), vram_mb: largestVramMb(machine) },
    cpus: machine.cpus,
    workloads: results,
    workDir: { path: config.workDir, writable: dirWritable, pendingResults: pending },
    key: { file: config.keyFile, exists: existsSync(config.keyFile) },
    coordinator,
    problems,
    ok: problems.length === 0,
  };
}
