// Shared by the dashboard's end-to-end tests: `pithead up` as a child process (as a user runs it),
// Debian's Chromium through playwright-core, and screenshots kept under artifacts/screenshots.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

export const repoRoot = resolve(import.meta.dirname, "..");
export const screenshotsDir = join(repoRoot, "artifacts", "screenshots");

export interface UpFacts {
  dataDir: string;
  urls: { dashboard: string; coordinator: string; agent: string; fleet: string };
  loginCode: string;
  keys: {
    coordinatorAdmin: string;
    coordinatorClient: string;
    clientWallet: string;
    agent: string;
    fleetOperator: string;
    fleetSecret: string;
  };
  fleetSecretFile: string;
  miner: { id: string; workloads: string[] };
  examples: { title: string; command: string }[];
}

export interface RunningUp {
  facts: UpFacts;
  child: ChildProcess;
  /** Everything it wrote on stderr so far (progress, errors). */
  stderr(): string;
  /** Ctrl-C, then waits for the exit. */
  interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs `pithead up --json` with `args`; resolves once it printed its summary. */
export function startUp(args: string[], timeoutMs = 110_000): Promise<RunningUp> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "packages/cli/bin/pithead.js"), "up", "--json", "--show-keys", ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  return new Promise((done, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`pithead up did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`pithead up exited (${code}) before it was ready:\n${stderr}`));
    });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf("\n");
      if (newline < 0) return;
      clearTimeout(timer);
      const facts = JSON.parse(stdout.slice(0, newline)) as UpFacts;
      done({
        facts,
        child,
        stderr: () => stderr,
        async interrupt() {
          child.kill("SIGINT");
          const { code, signal } = await exited;
          return { code, signal, stderr };
        },
      });
    });
  });
}

/** Runs `pithead <args>` to completion. */
export function runPithead(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(repoRoot, "packages/cli/bin/pithead.js"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, CI: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Logs `target` in to the dashboard with the login code `pithead up` printed; resolves on the Jobs page. */
export async function logIn(target: Page, facts: UpFacts): Promise<void> {
  await target.goto(facts.urls.dashboard);
  await target.getByLabel("Login code").fill(facts.loginCode);
  await target.getByRole("button", { name: "Log in" }).click();
  await target.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
}

/** After a file's tests: the browser closed, `pithead up` stopped (Ctrl-C), its data removed. */
export async function stopAll(browser: Browser | undefined, up: RunningUp | undefined, dataDir: string): Promise<void> {
  await browser?.close();
  if (up?.child.exitCode === null) await up.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** artifacts/screenshots/<test>-<step>.png, kept after the run. */
export async function screenshot(page: Page, test: string, step: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${test}-${step}.png`), fullPage: true });
}

export const laptop = { width: 1280, height: 800 };
export const phone = { width: 390, height: 844 };
