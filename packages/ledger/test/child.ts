// Spawning the fixture process and reading its output line by line.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./fixtures/ledger-child.ts", import.meta.url));

export interface Child {
  process: ChildProcess;
  lines: string[];
  /** Resolves when `count` lines have arrived (or rejects if the child exits first). */
  waitForLines(count: number): Promise<void>;
  exited: Promise<number | null>;
}

export function startChild(args: string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  const waiters: { count: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  const settle = () => {
    for (const w of [...waiters]) {
      if (lines.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    settle();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`child exited (${code}) before ${w.count} lines: ${stderr}`));
      resolve(code);
    }),
  );
  return {
    process: child,
    lines,
    exited,
    waitForLines: (count) =>
      new Promise((resolve, reject) => {
        waiters.push({ count, resolve, reject });
        settle();
      }),
  };
}
