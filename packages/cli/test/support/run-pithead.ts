// Runs `pithead …` as a user does: a child process in a folder of the test's choosing.
import { spawn } from "node:child_process";
import { resolve } from "node:path";

const cli = resolve(import.meta.dirname, "../../bin/pithead.js");

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function pithead(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH ?? "", CI: "1", ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((done) => child.once("close", (code) => done({ code, stdout, stderr })));
}
