// Real coordinator processes: `pithead coordinator start` in a child process, as an operator runs it.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const cli = resolve(import.meta.dirname, "../../../cli/bin/pithead.js");
const direct = resolve(import.meta.dirname, "coordinator-main.ts");

/** CLI flag names (`lease-ttl`) to the config loader's setting names (`leaseTtlS`). */
const settingOf: Record<string, string> = {
  host: "host",
  port: "port",
  data: "dataDir",
  db: "db",
  "fee-bps": "feeBps",
  "lease-ttl": "leaseTtlS",
  "heartbeat-timeout": "heartbeatTimeoutS",
  "sweep-interval-ms": "sweepIntervalMs",
};

export interface CoordinatorProcess {
  process: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or the signal) once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a coordinator process: through the `pithead` CLI (as an operator does), or with
 * `entry: "direct"` through a small script that skips the CLI's start-up cost.
 */
export async function spawnCoordinator(
  flags: Record<string, string>,
  env: Record<string, string> = {},
  options: { entry?: "cli" | "direct"; readyTimeoutMs?: number } = {},
): Promise<CoordinatorProcess> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const args =
    options.entry === "direct"
      ? [
          direct,
          JSON.stringify(
            Object.fromEntries(Object.entries(flags).map(([name, value]) => [settingOf[name] ?? name, value])),
          ),
        ]
      : [cli, "coordinator", "start", ...Object.entries(flags).flatMap(([name, value]) => [`--${name}`, value])];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", PITHEAD_LOG_LEVEL: "warn", PITHEAD_RATE_LIMIT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | NodeJS.Signals | null>((done) => {
    child.on("exit", (code, signal) => done(signal ?? code));
  });
  const url = await new Promise<string>((ready, failed) => {
    const timer = setTimeout(
      () => failed(new Error(`coordinator not ready after ${readyTimeoutMs} ms:\n${output}`)),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        ready(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      failed(new Error(`coordinator exited (${code}) before it was ready:\n${output}`));
    });
  });
  return {
    process: child,
    url,
    output: () => output,
    exited,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
