// bench miner: llm_gen tokens/s through the whole path — client → coordinator → miner → proof →
// result — against node-llama-cpp called directly on the same model with the same settings
// (the tiny GGUF model unless --model, CPU, one sequence, 4096-token context, greedy, 256 tokens).
// Target: the pipeline keeps ≥ 0.9× of the direct rate. Run: node bench/miner/run.ts [--jobs N]
//   [--tokens N] [--model file.gguf]. Ends with one `bench miner: …` line.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCoordinator } from "@pithead/coordinator";
import { ensureTinyModel } from "@pithead/llm";
import { getLlama, LlamaCompletion, LlamaLogLevel } from "node-llama-cpp";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "16" },
    tokens: { type: "string", default: "256" },
    model: { type: "string" },
  },
});
const jobs = Number(values.jobs);
const tokens = Number(values.tokens);
if (!Number.isInteger(jobs) || jobs < 1 || !Number.isInteger(tokens) || tokens < 1) {
  console.error("--jobs and --tokens must be positive integers");
  process.exit(2);
}
const CONTEXT = 4096;
const PROMPT = "abc";
const work = mkdtempSync(join(tmpdir(), "bench-miner-"));
const modelPath = values.model ?? ensureTinyModel(join(work, "models"));
const log = (line: string) => process.stderr.write(`${line}\n`);

// ── direct: node-llama-cpp on its own ────────────────────────────────────────────────────────
async function direct(): Promise<{ run(count: number): Promise<number>; close(): Promise<void> }> {
  const llama = await getLlama({ build: "never", gpu: false, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  // Same as @pithead/llm's embedded provider for a model this small: one thread, one sequence.
  const context = await model.createContext({
    sequences: 1,
    contextSize: CONTEXT,
    threads: model.size < 64 * 2 ** 20 ? 1 : undefined,
  });
  const sequence = context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  // The provider's generation settings: greedy, no repeat penalty (node-llama-cpp's default has one).
  const settings = { temperature: 0, repeatPenalty: false } as const;
  await completion.generateCompletion(PROMPT, { maxTokens: 8, ...settings }); // warm-up
  return {
    async run(count) {
      let generated = 0;
      for (let i = 0; i < count; i++) {
        await sequence.clearHistory();
        const text = await completion.generateCompletion(PROMPT, { maxTokens: tokens, ...settings });
        generated += model.tokenize(text).length;
      }
      return generated;
    },
    async close() {
      await context.dispose();
      await model.dispose();
    },
  };
}

// ── pipeline: a client queues llm_gen jobs and waits for every result ───────────────────────
// The miner runs as its own process (`pithead miner start`, one slot, as on a one-GPU box) and
// works through the queue the way it would in production; the client follows each job's
// server-sent events. Throughput = tokens of all results / wall time from the first submit to
// the last result, so every step of the path (submit, lease, generate, persist, prove, credit,
// result) is inside the measurement.
async function pipeline(): Promise<{ run(count: number): Promise<number>; close(): Promise<void> }> {
  const admin = "bench-admin-key-0123456789abcdef";
  const coordinator = await startCoordinator({
    env: {
      PITHEAD_DATA: join(work, "coordinator"),
      PITHEAD_PORT: "0",
      PITHEAD_ADMIN_KEY: admin,
      PITHEAD_RATE_LIMIT: "0",
      // One event stream per job in flight, all on the one client key.
      PITHEAD_MAX_STREAMS_PER_KEY: "0",
    },
    logger: false,
  });
  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(`${coordinator.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> };
  };
  const minerKey = (await call("POST", "/v1/admin/keys", admin, { role: "miner", wallet: "bench_miner" })).body
    .key as string;
  const clientKey = (await call("POST", "/v1/admin/keys", admin, { role: "client", wallet: "bench_client" })).body
    .key as string;
  await call("POST", "/v1/admin/wallets/bench_client/fund", admin, { amount: 1_000_000 });
  const miner = spawn(process.execPath, ["packages/cli/bin/pithead.js", "miner", "start"], {
    env: {
      ...process.env,
      COORD_URL: coordinator.url,
      WALLET_ADDR: "bench_miner",
      API_KEY: minerKey,
      MINER_ID: "bench-cpu0",
      WORK_DIR: join(work, "miner"),
      ACCEL_MODE: "cpu",
      MAX_CONCURRENCY: "1",
      POLL_WAIT_SECS: "30",
      LLM_CONTEXT_SIZE: String(CONTEXT),
      LLM_MODEL: modelPath,
      WORKLOADS: "llm_gen",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => miner.once("exit", resolve));
  async function submit(maxTokens: number): Promise<string> {
    const submitted = await call("POST", "/v1/jobs", clientKey, {
      workload: "llm_gen",
      params: { prompt: PROMPT, max_tokens: maxTokens },
      reward: 10,
    });
    if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}`);
    return submitted.body.id as string;
  }
  async function awaitResult(id: string): Promise<number> {
    // The event stream ends when the job is final.
    const events = await fetch(`${coordinator.url}/v1/jobs/${id}/events`, {
      headers: { authorization: `Bearer ${clientKey}` },
    });
    await events.text();
    const result = await call("GET", `/v1/jobs/${id}/result`, clientKey);
    if (result.status !== 200) throw new Error(`job ${id}: result answered ${result.status}`);
    return (result.body.metrics as { tokens: number }).tokens;
  }
  async function runJobs(count: number, maxTokens: number): Promise<number> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await submit(maxTokens));
    const tokensEach = await Promise.all(ids.map(awaitResult));
    return tokensEach.reduce((sum, n) => sum + n, 0);
  }
  async function close() {
    miner.kill("SIGTERM");
    await exited;
    const closing = coordinator.close();
    coordinator.app.server.closeAllConnections();
    await closing;
  }
  try {
    await new Promise<void>((resolve, reject) => {
      let out = "";
      miner.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("registered with the coordinator")) resolve();
      });
      miner.once("exit", (code) => reject(new Error(`the miner exited with ${code}: ${out.slice(-500)}`)));
    });
    await runJobs(1, 8); // warm-up
  } catch (error) {
    await close();
    throw error;
  }
  return { run: (count) => runJobs(count, tokens), close };
}

// Direct and pipeline rounds alternate, so both sides see the same machine load.
const rounds = 3;
try {
  log(
    `bench miner: ${rounds} rounds of ${jobs} generations of ${tokens} tokens each way, alternating, from ${modelPath}`,
  );
  const sides = { direct: await direct(), pipeline: await pipeline() };
  const totals = { direct: { tokens: 0, ms: 0 }, pipeline: { tokens: 0, ms: 0 } };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const side of ["direct", "pipeline"] as const) {
        const started = performance.now();
        totals[side].tokens += await sides[side].run(jobs);
        totals[side].ms += performance.now() - started;
      }
      log(`  round ${round + 1}/${rounds}`);
    }
  } finally {
    await sides.pipeline.close();
    await sides.direct.close();
  }
  const rate = (side: keyof typeof totals) => totals[side].tokens / (totals[side].ms / 1000);
  const ratio = rate("pipeline") / rate("direct");
  console.log(
    `bench miner: pipeline ${rate("pipeline").toFixed(0)} tok/s vs node-llama-cpp direct ${rate("direct").toFixed(0)} tok/s = ${ratio.toFixed(2)}x (target 0.9x)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
