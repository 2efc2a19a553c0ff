// The compute miner against the real coordinator over real HTTP (issue 4's acceptance):
//  1. `pithead miner start` with the tiny model: a client's llm_gen "abc" completes with the
//     predictable text, the receipt verifies against the coordinator's key, the wallet is credited;
//  2. a replicated job (3 miners, quorum 2) with one miner faulted to prove a wrong output: that
//     miner is not paid and loses reputation;
//  3. the coordinator SIGKILLed mid-job and restarted: the result arrives exactly once;
//  4. a job over its max_runtime_s is killed and reported, and the slot takes the next job.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunningCoordinator, type SignedReceipt, startCoordinator, verifyReceipt } from "@pithead/coordinator";
import { loadMinerConfig, memoryLogger, ResultStore, type RunningMiner, startMiner } from "@pithead/miner";
import { freePort } from "@pithead/testkit";
import { afterAll, describe, expect, it, onTestFailed } from "vitest";

const ADMIN_KEY = "admin-key-for-miner-e2e-0123456789";
const REPO = resolve(import.meta.dirname, "..");
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** Polls `check` until it returns a value (bounded; no fixed sleeps in the happy path). */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface JobBody {
  state: string;
  error?: { code: string; message: string } | null;
}
interface ResultBody {
  output: string;
  metrics: Record<string, unknown>;
  receipt: SignedReceipt;
  receipts: SignedReceipt[];
}

class Api {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    key: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as T) : ({} as T) };
  }
  async key(role: "miner" | "client", wallet: string): Promise<string> {
    const created = await this.call("POST", "/v1/admin/keys", ADMIN_KEY, { role, label: wallet, wallet });
    expect(created.status).toBe(201);
    return String(created.body.key);
  }
  async fund(wallet: string, amount: number): Promise<void> {
    expect((await this.call("POST", `/v1/admin/wallets/${wallet}/fund`, ADMIN_KEY, { amount })).status).toBe(200);
  }
  async balance(wallet: string): Promise<number> {
    return Number((await this.call("GET", `/v1/wallet/balance?address=${wallet}`, ADMIN_KEY)).body.balance);
  }
  async submit(clientKey: string, job: Record<string, unknown>): Promise<string> {
    const created = await this.call("POST", "/v1/jobs", clientKey, job);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return String(created.body.id);
  }
  async job(clientKey: string, id: string): Promise<JobBody> {
    return (await this.call<JobBody>("GET", `/v1/jobs/${id}`, clientKey)).body;
  }
  finalState(clientKey: string, id: string): Promise<JobBody> {
    return until(`job ${id} to finish`, async () => {
      const job = await this.job(clientKey, id);
      return ["COMPLETED", "FAILED", "CANCELED", "EXPIRED"].includes(job.state) ? job : undefined;
    });
  }
}

/**
 * A coordinator's log kept in memory and printed only if the running test fails: written to this
 * process's stdout it would fill every CI run's output (startCoordinator leaves PITHEAD_LOG_LEVEL
 * to whoever passes the logger).
 */
function logShownOnFailure(): { level: string; stream: { write(line: string): void } } {
  const lines: string[] = [];
  onTestFailed(() => console.error(`--- the coordinator's log ---\n${lines.join("")}`));
  return { level: "info", stream: { write: (line) => void lines.push(line) } };
}

async function coordinatorInProcess(): Promise<{ coordinator: RunningCoordinator; api: Api }> {
  const coordinator = await startCoordinator({
    env: {
      PITHEAD_DATA: mkdtempSync(join(tmpdir(), "miner-e2e-coord-")),
      PITHEAD_PORT: "0",
      PITHEAD_ADMIN_KEY: ADMIN_KEY,
    },
    logger: logShownOnFailure(),
  });
  cleanups.push(async () => {
    // Idle keep-alive sockets (the miners' and this test's fetch) would hold close() for ~72 s.
    const closing = coordinator.close();
    coordinator.app.server.closeAllConnections();
    await closing;
  });
  return { coordinator, api: new Api(coordinator.url) };
}

async function minerInProcess(api: Api, name: string, env: Record<string, string> = {}): Promise<RunningMiner> {
  const wallet = `wallet_${name}`;
  const config = loadMinerConfig({
    env: {
      COORD_URL: api.url,
      WALLET_ADDR: wallet,
      API_KEY: await api.key("miner", wallet),
      MINER_ID: `${name}-cpu0`,
      WORK_DIR: mkdtempSync(join(tmpdir(), `miner-e2e-${name}-`)),
      HEARTBEAT_SECS: "2",
      JOB_POLL_SECS: "1",
      POLL_WAIT_SECS: "2",
      LLM_CONTEXT_SIZE: "4096",
      WORKLOADS: "llm_gen",
      ...env,
    },
  });
  const running = await startMiner(config, { log: memoryLogger(), detectGpus: async () => [] });
  cleanups.push(() => running.stop(0));
  // Registered (first heartbeat answered) before jobs are submitted.
  await until(`${name} to register`, async () => (running.miner.status().registered ? true : undefined));
  return running;
}

describe("compute miner end to end", () => {
  it("`pithead miner start` with the tiny model: llm_gen 'abc' completes, the receipt verifies, the wallet is credited", async () => {
    const { api } = await coordinatorInProcess();
    const clientKey = await api.key("client", "client_a");
    await api.fund("client_a", 10_000);
    const minerKey = await api.key("miner", "wallet_cli");
    const workDir = mkdtempSync(join(tmpdir(), "miner-e2e-cli-"));
    const cli: ChildProcess = spawn(
      process.execPath,
      [join(REPO, "packages/cli/bin/pithead.js"), "miner", "start", "--heartbeat-secs", "2"],
      {
        env: {
          ...process.env,
          COORD_URL: api.url,
          WALLET_ADDR: "wallet_cli",
          API_KEY: minerKey,
          MINER_ID: "cli-cpu0",
          WORK_DIR: workDir,
          LLM_CONTEXT_SIZE: "4096",
          POLL_WAIT_SECS: "5",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    cli.stdout?.on("data", (chunk) => (output += chunk));
    cli.stderr?.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => cli.once("exit", (code) => resolve(code)));
    cleanups.push(async () => cli.kill("SIGKILL"));
    await until("the CLI miner to register", async () =>
      output.includes("registered with the coordinator") ? true : undefined,
    );

    const id = await api.submit(clientKey, {
      workload: "llm_gen",
      params: { prompt: "abc", max_tokens: 8 },
      reward: 1000,
    });
    const job = await api.finalState(clientKey, id);
    expect(job.state).toBe("COMPLETED");
    const result = (await api.call<ResultBody>("GET", `/v1/jobs/${id}/result`, clientKey)).body;
    expect(result.output).toBe("defghijk");
    expect(result.metrics).toMatchObject({ tokens: 8, model: "pithead-tiny-260" });
    const key = (await api.call<{ public_key: string }>("GET", "/v1/keys/receipts", undefined)).body;
    expect(verifyReceipt(result.receipt, key.public_key)).toBe(true);
    expect(result.receipt.receipt.wallet).toBe("wallet_cli");
    expect(await api.balance("wallet_cli")).toBeGreaterThan(0);
    expect(await api.balance("wallet_cli")).toBe(result.receipt.receipt.reward);

    cli.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("stopped");
    expect(output).not.toContain(minerKey);
  });

  it("replicate ×3, quorum 2: the miner faulted to a wrong output is not paid and loses reputation", async () => {
    const { api } = await coordinatorInProcess();
    const clientKey = await api.key("client", "client_r");
    await api.fund("client_r", 10_000);
    // The faulty miner starts alone so it surely proves first; the honest two then agree.
    const faulty = await minerInProcess(api, "faulty", { FAULT_CORRUPT_OUTPUT: "1" });
    const id = await api.submit(clientKey, {
      workload: "llm_gen",
      params: { prompt: "abc", max_tokens: 6 },
      reward: 1000,
      verification: { mode: "replicate", replicas: 3, quorum: 2 },
    });
    await until("the faulty proof", async () => (faulty.miner.status().completed === 1 ? true : undefined));
    await minerInProcess(api, "honest1");
    await minerInProcess(api, "honest2");
    const job = await api.finalState(clientKey, id);
    expect(job.state).toBe("COMPLETED");
    expect((await api.call<ResultBody>("GET", `/v1/jobs/${id}/result`, clientKey)).body.output).toBe("defghi");
    expect(await api.balance("wallet_faulty")).toBe(0);
    expect(await api.balance("wallet_honest1")).toBeGreaterThan(0);
    expect(await api.balance("wallet_honest2")).toBe(await api.balance("wallet_honest1"));
    type MinerRow = { miner_id: string; reputation: number };
    const miners = (await api.call<MinerRow[] | { miners: MinerRow[] }>("GET", "/v1/admin/miners", ADMIN_KEY)).body;
    const list: { miner_id: string; reputation: number }[] = Array.isArray(miners) ? miners : miners.miners;
    const reputation = (id: string) => list.find((m) => m.miner_id === id)?.reputation ?? Number.NaN;
    expect(reputation("faulty-cpu0")).toBeLessThan(reputation("honest1-cpu0"));
    expect(reputation("honest1-cpu0")).toBe(reputation("honest2-cpu0"));
  });

  it("the coordinator SIGKILLed mid-job and restarted: the miner's result arrives exactly once", async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), "miner-e2e-kill-"));
    const env = {
      ...process.env,
      PITHEAD_DATA: dataDir,
      PITHEAD_PORT: String(port),
      PITHEAD_ADMIN_KEY: ADMIN_KEY,
      PITHEAD_LOG_LEVEL: "info",
    };
    // Both coordinators' logs (and anything they print on stderr) go to a file, shown only on failure.
    const logFile = join(dataDir, "coordinator-child.log");
    onTestFailed(() => {
      console.error(`--- ${logFile} ---\n${existsSync(logFile) ? readFileSync(logFile, "utf8") : "(none)"}`);
    });
    let stdout = "";
    const launch = async (): Promise<ChildProcess> => {
      const log = openSync(logFile, "a");
      const child = spawn(process.execPath, [join(REPO, "test/miner-coordinator-child.ts")], {
        env,
        stdio: ["ignore", "pipe", log],
      });
      closeSync(log);
      cleanups.push(async () => child.kill("SIGKILL"));
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (chunk.toString().includes("listening")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`coordinator exited with ${code}`)));
      });
      return child;
    };
    let coordinator = await launch();
    const api = new Api(`http://127.0.0.1:${port}`);
    const clientKey = await api.key("client", "client_k");
    await api.fund("client_k", 10_000);
    const running = await minerInProcess(api, "survivor");
    // Long enough (~1-3 s of generation) that the coordinator dies while the job runs.
    const id = await api.submit(clientKey, {
      workload: "llm_gen",
      params: { prompt: "abc", max_tokens: 1000 },
      reward: 1000,
    });
    await until("the job to be leased", async () => (running.miner.status().running.includes(id) ? true : undefined));
    const died = new Promise((resolve) => coordinator.once("exit", resolve));
    coordinator.kill("SIGKILL");
    await died;

    const store = new ResultStore(running.miner.config.workDir);
    await until("the result to be kept while the coordinator is down", async () =>
      store.read(id)?.state === "pending" ? true : undefined,
    );
    coordinator = await launch();
    const job = await api.finalState(clientKey, id);
    expect(job.state).toBe("COMPLETED");
    const entry = await until("the proof to be acknowledged", async () => {
      const e = store.read(id);
      return e?.state === "acked" ? e : undefined;
    });
    expect(entry.deliveries).toBeGreaterThanOrEqual(1);
    const credited = await api.balance("wallet_survivor");
    expect(credited).toBeGreaterThan(0);

    // The same proof again, same Idempotency-Key: the same answer, no second credit.
    const again = await fetch(`${api.url}/v1/miner/proof`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${running.miner.config.apiKey}`,
        "content-type": "application/json",
        "idempotency-key": entry.idempotency_key,
      },
      body: JSON.stringify(store.body(entry)),
    });
    expect(again.status).toBe(200);
    expect(await api.balance("wallet_survivor")).toBe(credited);
    const receipts = (await api.call<ResultBody>("GET", `/v1/jobs/${id}/result`, clientKey)).body.receipts;
    expect(receipts).toHaveLength(1);
    // The child's stdout is its one protocol line per start; its log went to the file.
    expect(stdout.trim().split("\n")).toEqual([`listening ${api.url}`, `listening ${api.url}`]);
    expect(readFileSync(logFile, "utf8")).toContain('"msg":"Server listening at');
  });

  it("a job over its max_runtime_s is killed and reported failed, and the slot takes the next job", async () => {
    const { api } = await coordinatorInProcess();
    const clientKey = await api.key("client", "client_t");
    await api.fund("client_t", 10_000);
    const running = await minerInProcess(api, "slow", { MAX_CONCURRENCY: "1" });
    const long = await api.submit(clientKey, {
      workload: "llm_gen",
      params: { prompt: "abc", max_tokens: 3500 },
      reward: 100,
      max_runtime_s: 1,
      max_attempts: 1,
    });
    const failed = await api.finalState(clientKey, long);
    expect(failed.state).toBe("FAILED");
    // The coordinator gives up on the job (max_attempts 1) and names the miner's reason.
    expect(failed.error?.message).toMatch(/MAX_RUNTIME_EXCEEDED/);
    const store = new ResultStore(running.miner.config.workDir);
    expect(store.read(long)).toMatchObject({ kind: "fail", request: { error_code: "MAX_RUNTIME_EXCEEDED" } });

    const next = await api.submit(clientKey, {
      workload: "llm_gen",
      params: { prompt: "xyz", max_tokens: 3 },
      reward: 100,
    });
    expect((await api.finalState(clientKey, next)).state).toBe("COMPLETED");
    expect((await api.call<ResultBody>("GET", `/v1/jobs/${next}/result`, clientKey)).body.output).toBe("{|}");
    expect(running.miner.freeSlots()).toBe(1);
  });
});
