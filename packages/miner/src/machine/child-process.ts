// Runs a child process in its own process group so a job past its max_runtime_s can be killed
// whole: SIGKILL to the group takes the interpreter and anything it started (a PyTorch worker,
// a shell pipeline), where killing the direct child alone would leave grandchildren running.

import { spawn } from "node:child_process";

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the signal fired and the group was killed. */
  killed: boolean;
}

export interface RunChildOptions {
  signal?: AbortSignal;
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Most bytes kept of each stream (the tail), default 1 MiB. */
  maxOutputBytes?: number;
}

function keepTail(current: string, chunk: string, max: number): string {
  const next = current + chunk;
  return next.length > max ? next.slice(next.length - max) : next;
}

export function runChild(
  command: string,
  args: readonly string[],
  options: RunChildOptions = {},
): Promise<ChildResult> {
  const max = options.maxOutputBytes ?? 1 << 20;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ code: null, signal: "SIGKILL", stdout: "", stderr: "", killed: true });
      return;
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let killed = false;
    const killGroup = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      killed = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    options.signal?.addEventListener("abort", killGroup, { once: true });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout = keepTail(stdout, chunk, max);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = keepTail(stderr, chunk, max);
    });
    child.stdin.on("error", () => {
      // The child may exit without reading its input; that is reported through its exit code.
    });
    child.stdin.end(options.input ?? "");
    child.once("error", (error) => {
      options.signal?.removeEventListener("abort", killGroup);
      reject(error);
    });
    child.once("close", (code, signal) => {
      options.signal?.removeEventListener("abort", killGroup);
      // The group may still hold grandchildren that outlived the interpreter: take them too.
      if (killed && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // None left.
        }
      }
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}
