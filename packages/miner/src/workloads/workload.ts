// The workload plugin interface: one file per workload, each saying whether it can run on this
// machine (and why not) and running one job under an AbortSignal that fires at max_runtime_s
// or on shutdown. Workloads throw WorkloadError with a stable code the coordinator is told.

import type { LeasedJob } from "../net/coordinator-client.ts";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface MachineView {
  accel: "gpu" | "cpu";
  /** Largest GPU's memory, MB (0 on the CPU). */
  vramMb: number;
  freeRamMb(): number;
}

export interface Availability {
  available: boolean;
  /** Why (or why not): shown by `pithead miner doctor` and logged at start. */
  reason: string;
  /** Models this workload serves here (advertised in capabilities.models). */
  models?: string[];
}

export interface WorkloadContext {
  /** Fires at max_runtime_s or on shutdown: stop, free what you hold, and return or throw. */
  signal: AbortSignal;
  /** This job's scratch directory (WORK_DIR/<job id>). */
  workDir: string;
  limits: { maxRuntimeS: number; vramMb: number; freeRamMb: number };
  /**
   * A workload that can tell how long it still runs calls this as it goes (ms, an estimate): the
   * miner claims the slot's next job that much ahead of the end.
   */
  endsIn?: (ms: number) => void;
}

export interface WorkloadResult {
  output: Buffer | string;
  contentType: string;
  metrics: { [key: string]: JsonValue };
}

export interface Workload {
  readonly name: string;
  detect(machine: MachineView): Promise<Availability>;
  run(job: LeasedJob, ctx: WorkloadContext): Promise<WorkloadResult>;
  /** Frees what the workload keeps between jobs (a loaded model). */
  close?(): Promise<void>;
}

/** Stable codes sent as the fail's error_code. */
export type WorkloadErrorCode =
  | "BAD_PARAMS"
  | "INSUFFICIENT_MEMORY"
  | "MODEL_NOT_AVAILABLE"
  | "BACKEND_UNAVAILABLE"
  | "BACKEND_ERROR"
  | "WORKLOAD_FAILED";

export class WorkloadError extends Error {
  readonly code: WorkloadErrorCode;
  constructor(code: WorkloadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkloadError";
    this.code = code;
  }
}

/** Job params as an object (a job may send none). */
export function paramsOf(job: LeasedJob): Record<string, unknown> {
  const params = job.params;
  if (params === undefined || params === null) return {};
  if (typeof params !== "object" || Array.isArray(params))
    throw new WorkloadError("BAD_PARAMS", "params must be a JSON object");
  return params as Record<string, unknown>;
}

/** Reads an optional integer param in [min, max], naming the field when it is wrong. */
export function intParam(
  params: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback: number,
): number;
export function intParam(params: Record<string, unknown>, field: string, min: number, max: number): number | undefined;
export function intParam(
  params: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  const value = params[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new WorkloadError(
      "BAD_PARAMS",
      `params.${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function numberParam(
  params: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new WorkloadError(
      "BAD_PARAMS",
      `params.${field} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function stringParam(params: Record<string, unknown>, field: string, maxLength: number): string | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > maxLength) {
    throw new WorkloadError("BAD_PARAMS", `params.${field} must be a string of at most ${maxLength} characters`);
  }
  return value;
}
