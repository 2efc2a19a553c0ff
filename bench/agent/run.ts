// bench agent: /complete throughput and latency with C concurrent conversations on the tiny
// in-process model, through the agent's HTTP API (auth, validation, SQLite history, playbook
// lookup, JSON parsing) against the same provider called directly in-process with the same
// prompts (the same prompt builder, the same history kept in memory, the same temperature and
// token limit). One model instance serves both sides, so only the agent's overhead differs.
//
//   node bench/agent/run.ts [--conversations 64] [--rounds 4] [--max-tokens 32]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  chatMessages,
  completePrompt,
  formatQueries,
  type HistoryMessage,
  loadAgentConfig,
  startAgent,
  TEMPERATURES,
} from "../../packages/agent/src/index.ts";
import { createProvider, type LlmProvider } from "../../packages/llm/src/index.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i] ?? "", process.argv[i + 1] ?? "");
const conversations = Number(args.get("--conversations") ?? "64");
const rounds = Number(args.get("--rounds") ?? "4");
const maxTokens = Number(args.get("--max-tokens") ?? "32");
const target = 0.8;
const MAX_MESSAGES = 10;
const HISTORY = 5;
const API_KEY = "bench-key-0123456789abcdef";

for (const [name, value] of [
  ["--conversations", conversations],
  ["--rounds", rounds],
  ["--max-tokens", maxTokens],
] as const) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a whole number ≥ 1`);
    process.exit(2);
  }
}

const dir = mkdtempSync(join(tmpdir(), "pithead-bench-agent-"));

interface Stats {
  requests: number;
  seconds: number;
  latenciesMs: number[];
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

function report(label: string, stats: Stats): number {
  const sorted = [...stats.latenciesMs].sort((a, b) => a - b);
  const rate = stats.requests / stats.seconds;
  console.log(
    `${label.padEnd(16)} ${stats.requests} requests in ${stats.seconds.toFixed(2)} s = ${rate.toFixed(1)} req/s, ` +
      `latency p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`,
  );
  return rate;
}

/** C conversations, each sending rounds [from, to) one after another; all conversations at once. */
async function drive(
  send: (conversation: number, round: number) => Promise<void>,
  label: string,
  from: number,
  to: number,
): Promise<Stats> {
  const latenciesMs: number[] = [];
  let done = 0;
  const total = conversations * (to - from);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: conversations }, async (_, conversation) => {
      for (let round = from; round < to; round++) {
        const t0 = performance.now();
        await send(conversation, round);
        latenciesMs.push(performance.now() - t0);
        done += 1;
        if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done}/${total}`);
      }
    }),
  );
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K");
  return { requests: total, seconds: (performance.now() - started) / 1000, latenciesMs };
}

const query = (conversation: number, round: number) => `abc ${conversation} ${round}`;
const task = "Continue the sequence";

let provider: LlmProvider | undefined;
try {
  console.log(`loading the tiny model (${conversations} conversations × ${rounds} rounds, ${maxTokens} tokens each)…`);
  provider = await createProvider({ provider: "local", dataDir: dir });
  const model = provider;

  // Direct: what /complete asks the model, built by the same code, with the history in memory.
  const histories = new Map<number, HistoryMessage[]>();
  const direct = async (conversation: number, round: number) => {
    const history = histories.get(conversation) ?? [];
    const input = {
      cid: `direct-${conversation}`,
      task,
      input: [{ user_query: query(conversation, round) }],
      previous_outputs: [],
      use_conversation_history: true,
      use_playbook: true,
    };
    const messages = chatMessages(completePrompt(input, ""), history.slice(-HISTORY));
    const result = await model.generate({ messages, temperature: TEMPERATURES.complete, maxTokens });
    history.push(
      { role: "user", content: `Task: ${task}\n${formatQueries(input.input)}` },
      { role: "assistant", content: result.text },
    );
    histories.set(conversation, history.slice(-MAX_MESSAGES));
  };

  const agent = await startAgent(
    loadAgentConfig(
      {
        API_KEY,
        HOST: "127.0.0.1",
        PORT: "0",
        DATABASE_URL: `sqlite:///${join(dir, "bench.db")}`,
        DATA_DIR: dir,
        MAX_TOKENS: String(maxTokens),
        MAX_CONVERSATION_MESSAGES: String(MAX_MESSAGES),
        SMART_HISTORY_COUNT: String(HISTORY),
        LOG_LEVEL: "silent",
        RATE_LIMIT_COMPLETE: "0",
      },
      { envFile: false },
    ),
    { model, logger: false },
  );
  const api = async (conversation: number, round: number) => {
    const response = await fetch(`${agent.url}/complete`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY },
      body: JSON.stringify({ cid: `api-${conversation}`, task, input: [{ user_query: query(conversation, round) }] }),
    });
    if (response.status !== 200) throw new Error(`/complete answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };

  // Warm both paths (first generations, JIT, the SQLite file) before measuring.
  await Promise.all(Array.from({ length: 8 }, (_, i) => direct(1000 + i, 0)));
  await Promise.all(Array.from({ length: 8 }, (_, i) => api(1000 + i, 0)));
  histories.clear();

  // A-B-B-A: each side runs half its rounds before and half after the other, so a machine that
  // speeds up or slows down during the run favours neither.
  const half = Math.ceil(rounds / 2);
  const merge = (a: Stats, b: Stats): Stats => ({
    requests: a.requests + b.requests,
    seconds: a.seconds + b.seconds,
    latenciesMs: [...a.latenciesMs, ...b.latenciesMs],
  });
  const direct1 = await drive(direct, "direct", 0, half);
  const api1 = await drive(api, "api", 0, half);
  const api2 = await drive(api, "api", half, rounds);
  const direct2 = await drive(direct, "direct", half, rounds);
  const directRate = report("direct provider", merge(direct1, direct2));
  const apiRate = report("agent API", merge(api1, api2));
  await agent.close();
  const ratio = apiRate / directRate;
  console.log(
    `bench agent: api ${apiRate.toFixed(1)} req/s vs direct provider ${directRate.toFixed(1)} req/s = ${ratio.toFixed(2)}x (target ${target}x)`,
  );
} finally {
  await provider?.close();
  rmSync(dir, { recursive: true, force: true });
}
