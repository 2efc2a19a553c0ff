// A real coordinator for tests: SQLite in a temp dir (or a given PostgreSQL URL), a manual clock,
// the sweeper off (tests call sweep() themselves), logs captured in memory.
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import type { CoordinatorConfig } from "../../src/config.ts";
import { type RunningCoordinator, startCoordinator } from "../../src/start.ts";
import { type ManualClock, manualClock } from "./clock.ts";
import { type TempDir, tempDir } from "./temp-dir.ts";

/** A parsed JSON body with unchecked property access, for assertions. */
export interface Body {
  readonly [key: string]: Body;
}

/** The elements of an array inside a Body. */
export function items(value: Body | undefined): Body[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value as Body[];
}

export interface Reply {
  status: number;
  body: Body;
  headers: Headers;
}

export interface TestCoordinator extends AsyncDisposable {
  running: RunningCoordinator;
  url: string;
  clock: ManualClock;
  adminKey: string;
  logs: string[];
  dir: TempDir;
  /** Calls the API over real HTTP. */
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>;
  /** Creates a key with the admin key. */
  key(
    role: "client" | "miner" | "admin",
    extra?: { wallet?: string; label?: string },
  ): Promise<{ id: string; key: string; wallet: string | null }>;
  fund(address: string, amount: number): Promise<void>;
  /** Creates a miner key and registers the miner with a heartbeat. */
  miner(
    minerId: string,
    options?: { wallet?: string; capabilities?: Record<string, unknown>; gpu?: boolean },
  ): Promise<{ key: string; minerId: string; wallet: string }>;
  /** Creates a funded client. */
  client(funds?: number): Promise<{ key: string; wallet: string }>;
}

export const sha256 = (text: string | Uint8Array): string => createHash("sha256").update(text).digest("hex");

let walletCounter = 0;

export async function startTestCoordinator(
  options: {
    config?: Partial<CoordinatorConfig>;
    clock?: ManualClock;
    dir?: TempDir;
    /** Records per archived ledger segment (small in tests; the coordinator's is 4096). */
    ledgerArchiveSegmentRecords?: number;
    /** The engine thread's entry (a test's faulty disk); default the real one. */
    engineWorkerUrl?: URL;
  } = {},
): Promise<TestCoordinator> {
  const dir = options.dir ?? tempDir();
  const clock = options.clock ?? manualClock(Date.now());
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const running = await startCoordinator({
    env: {},
    config: {
      dataDir: dir.path,
      db: { kind: "sqlite", path: `${dir.path}/coordinator.db` },
      port: 0,
      rateLimitPerMinute: 0,
      ...options.config,
    },
    clock,
    logger: { level: "info", stream },
    sweeper: false,
    ...(options.ledgerArchiveSegmentRecords !== undefined
      ? { ledgerArchiveSegmentRecords: options.ledgerArchiveSegmentRecords }
      : {}),
    ...(options.engineWorkerUrl ? { engineWorkerUrl: options.engineWorkerUrl } : {}),
  });
  const adminKey = running.generatedAdminKey ?? running.config.adminKey ?? "";
  const url = running.url;
  const call: TestCoordinator["call"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(url + path, {
      method,
      headers,
      ...(opts.body !== undefined
        ? { body: typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body) }
        : {}),
    });
    const text = await response.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, body: body as Body, headers: response.headers };
  };
  const key: TestCoordinator["key"] = async (role, extra = {}) => {
    const response = await call("POST", "/v1/admin/keys", { key: adminKey, body: { role, ...extra } });
    if (response.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(response.body)}`);
    const body = response.body as unknown as { id: string; key: string; wallet: string | null };
    return { id: body.id, key: body.key, wallet: body.wallet };
  };
  const fund = async (address: string, amount: number) => {
    const response = await call("POST", `/v1/admin/wallets/${address}/fund`, { key: adminKey, body: { amount } });
    if (response.status !== 200) throw new Error(`funding failed: ${JSON.stringify(response.body)}`);
  };
  return {
    running,
    url,
    clock,
    adminKey,
    logs,
    dir,
    call,
    key,
    fund,
    async miner(minerId, minerOptions = {}) {
      const created = await key("miner", { label: minerId });
      const wallet = minerOptions.wallet ?? `w_${minerId}`;
      const response = await call("POST", "/v1/miner/heartbeat", {
        key: created.key,
        body: {
          miner_id: minerId,
          wallet,
          mode: minerOptions.gpu ? "gpu" : "cpu",
          gpu: minerOptions.gpu ? 1 : 0,
          ...(minerOptions.capabilities ? { capabilities: minerOptions.capabilities } : {}),
        },
      });
      if (response.status !== 200) throw new Error(`heartbeat failed: ${JSON.stringify(response.body)}`);
      return { key: created.key, minerId, wallet };
    },
    async client(funds = 10_000) {
      const wallet = `client_${process.pid}_${++walletCounter}`;
      const created = await key("client", { wallet });
      if (funds > 0) await fund(wallet, funds);
      return { key: created.key, wallet };
    },
    async [Symbol.asyncDispose]() {
      await running.close();
      if (!options.dir) dir[Symbol.dispose]();
    },
  };
}

/** A job of a free-form workload, leased and proved with `output` by a new miner: it ends COMPLETED. */
export async function completedJob(
  coordinator: TestCoordinator,
  client: { key: string },
  output: string,
): Promise<string> {
  const miner = await coordinator.miner(`m-${Math.random().toString(36).slice(2, 8)}`, {
    capabilities: { workloads: ["keep_or_drop"] },
  });
  const job = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload: "keep_or_drop", reward: 10 },
  });
  if (job.status !== 201) throw new Error(`submit failed: ${JSON.stringify(job.body)}`);
  const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
  if (next.body.id !== job.body.id) throw new Error(`the miner was not handed the job: ${JSON.stringify(next.body)}`);
  const proof = await coordinator.call("POST", "/v1/miner/proof", {
    key: miner.key,
    body: { id: job.body.id, output_sha: sha256(output), output, metrics: { seconds: 1 } },
  });
  if (proof.status !== 200) throw new Error(`proof refused: ${JSON.stringify(proof.body)}`);
  return String(job.body.id);
}

let leasedCounter = 0;

/**
 * A job of a workload of its own (jobs other tests left queued stay away), submitted by a new client
 * and leased to a new miner that declares that workload.
 */
export async function leasedJob(
  coordinator: TestCoordinator,
  options: { reward?: number; funds?: number } = {},
): Promise<{
  client: { key: string; wallet: string };
  miner: { key: string; minerId: string; wallet: string };
  jobId: string;
  workload: string;
}> {
  const workload = `leased_work_${process.pid}_${++leasedCounter}`;
  const client = await coordinator.client(options.funds);
  const miner = await coordinator.miner(`leased-miner-${leasedCounter}`, { capabilities: { workloads: [workload] } });
  const job = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload, reward: options.reward ?? 100 },
  });
  if (job.status !== 201) throw new Error(`submit failed: ${JSON.stringify(job.body)}`);
  const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
  if (next.body.id !== job.body.id) throw new Error(`the miner was not handed the job: ${JSON.stringify(next.body)}`);
  return { client, miner, jobId: String(job.body.id), workload };
}
