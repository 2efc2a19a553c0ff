// `pithead up`'s options, validated before anything starts: every problem names its flag.

import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

export interface UpOptions {
  /** Absolute. */
  dataDir: string;
  host: string;
  ports: { dashboard: number; coordinator: number; agent: number; fleet: number };
  /** PostgreSQL for the coordinator, the agent and the fleet ledger; SQLite files under dataDir when absent. */
  postgres: string | undefined;
  simulatedMiners: number;
  /**
   * Where old ledger records move (absolute; the fleet's to <dir>/fleet, the coordinator's to
   * <dir>/coordinator) and after how many days; absent: nothing is archived.
   */
  ledgerArchive?: { dir: string; afterDays: number };
  json: boolean;
  /** Print keys and the login code even where stdout is not a terminal. */
  showKeys: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
}

export interface RawUpOptions {
  data?: string;
  host?: string;
  port?: string;
  coordinatorPort?: string;
  agentPort?: string;
  fleetPort?: string;
  postgres?: string;
  miners?: string;
  ledgerArchiveDir?: string;
  ledgerArchiveAfterDays?: string;
  json?: boolean;
  showKeys?: boolean;
  logLevel?: string;
}

export const DEFAULT_PORTS = { dashboard: 8090, coordinator: 8080, agent: 8001, fleet: 3001 } as const;

export class UpOptionError extends Error {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = "UpOptionError";
    this.flag = flag;
  }
}

function port(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65_535)
    throw new UpOptionError(flag, `must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** --ledger-archive-dir and --ledger-archive-after-days (the days alone name no directory: an error). */
function ledgerArchive(raw: RawUpOptions, cwd: string): UpOptions["ledgerArchive"] {
  const days = raw.ledgerArchiveAfterDays;
  if (raw.ledgerArchiveDir === undefined) {
    if (days !== undefined)
      throw new UpOptionError(
        "--ledger-archive-after-days",
        "is given without --ledger-archive-dir: name the archive directory too (without it nothing is archived)",
      );
    return undefined;
  }
  if (raw.ledgerArchiveDir.trim() === "") throw new UpOptionError("--ledger-archive-dir", "must not be empty");
  const dir = isAbsolute(raw.ledgerArchiveDir) ? raw.ledgerArchiveDir : resolve(cwd, raw.ledgerArchiveDir);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UpOptionError("--ledger-archive-dir", `${dir} is a file, not a directory`);
  const afterDays = days ?? "30";
  if (!/^\d+$/.test(afterDays) || Number(afterDays) < 1 || Number(afterDays) > 36_500)
    throw new UpOptionError(
      "--ledger-archive-after-days",
      `must be a whole number of days from 1 to 36500, got ${JSON.stringify(afterDays)}`,
    );
  return { dir, afterDays: Number(afterDays) };
}

export function parseUpOptions(raw: RawUpOptions, cwd = process.cwd()): UpOptions {
  const ports = {
    dashboard: port(raw.port, "--port", DEFAULT_PORTS.dashboard),
    coordinator: port(raw.coordinatorPort, "--coordinator-port", DEFAULT_PORTS.coordinator),
    agent: port(raw.agentPort, "--agent-port", DEFAULT_PORTS.agent),
    fleet: port(raw.fleetPort, "--fleet-port", DEFAULT_PORTS.fleet),
  };
  const flags: Record<keyof typeof ports, string> = {
    dashboard: "--port",
    coordinator: "--coordinator-port",
    agent: "--agent-port",
    fleet: "--fleet-port",
  };
  const seen = new Map<number, string>();
  for (const [name, value] of Object.entries(ports) as [keyof typeof ports, number][]) {
    // Port 0 asks the system for a free port: several of them never clash.
    if (value === 0) continue;
    const other = seen.get(value);
    if (other) throw new UpOptionError(flags[name], `port ${value} is already given to ${other}`);
    seen.set(value, flags[name]);
  }
  const host = (raw.host ?? "127.0.0.1").trim();
  if (host === "") throw new UpOptionError("--host", "must not be empty");
  let postgres: string | undefined;
  if (raw.postgres !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(raw.postgres)) throw new UpOptionError("--postgres", "must be a postgres:// URL");
    try {
      new URL(raw.postgres);
    } catch {
      throw new UpOptionError("--postgres", "is not a valid URL");
    }
    postgres = raw.postgres;
  }
  const miners = raw.miners ?? "36";
  if (!/^\d+$/.test(miners) || Number(miners) < 1 || Number(miners) > 10_000)
    throw new UpOptionError("--miners", `must be a whole number from 1 to 10000, got ${JSON.stringify(miners)}`);
  const logLevel = raw.logLevel ?? "info";
  if (!["debug", "info", "warn", "error"].includes(logLevel))
    throw new UpOptionError("--log-level", "must be debug, info, warn or error");
  const data = raw.data ?? "./data";
  const archive = ledgerArchive(raw, cwd);
  return {
    dataDir: isAbsolute(data) ? data : resolve(cwd, data),
    host,
    ports,
    postgres,
    simulatedMiners: Number(miners),
    ...(archive ? { ledgerArchive: archive } : {}),
    json: raw.json === true,
    showKeys: raw.showKeys === true,
    logLevel: logLevel as UpOptions["logLevel"],
  };
}
