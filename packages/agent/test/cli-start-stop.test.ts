// `pithead agent start` stopped by SIGTERM / Ctrl-C while it answers: the real CLI in a child
// process, the model an OpenAI-compatible server in this test (slow or hung on purpose), the
// history in a SQLite file. What a client and an operator see: an answer or a 503 with Retry-After
// (never an empty reply), the exchange stored whole or not at all, and the exit status.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { request, TEST_KEY } from "./support/agent-harness.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./support/fake-openai.ts";

const CLI = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "pithead-agent-stop-"));
let fake: FakeOpenAi;
let child: ChildProcess | undefined;
let runs = 0;

beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
  fake.calls.length = 0;
  fake.replies.length = 0;
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  url: string;
  database: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
  stdout: () => string;
}

async function startAgentCli(env: Record<string, string> = {}): Promise<Started> {
  const database = join(dir, `miner-${++runs}.db`);
  const started = spawn(process.execPath, [CLI, "agent", "start", "--host", "127.0.0.1", "--port", "0", "--json"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      API_KEY: TEST_KEY,
      LLM_PROVIDER: "openai",
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_MODEL: "fake-model",
      LLM_MAX_RETRIES: "0",
      DATABASE_URL: `sqlite:///${database}`,
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = started;
  let stdout = "";
  let stderr = "";
  started.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    started.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    started.stdout?.on("data", (chunk) => {
      stdout += String(chunk);
      // The summary is printed as indented JSON; its url line is enough.
      const found = /"url": "([^"]+)"/.exec(stdout);
      if (found) resolve(found[1] as string);
    });
    void exited.then(({ code }) => reject(new Error(`the agent exited (${code}) before listening: ${stderr}`)));
  });
  return { url, database, exited, stderr: () => stderr, stdout: () => stdout };
}

async function complete(url: string, cid: string) {
  const response = await fetch(`${url}/complete`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": TEST_KEY },
    body: JSON.stringify(request({ cid })),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

function storedMessages(database: string, cid: string): string[] {
  const db = new DatabaseSync(database, { readOnly: true });
  try {
    const rows = db
      .prepare(
        "SELECT m.role FROM agent_messages m JOIN agent_conversations c ON c.id = m.conversation_id WHERE c.cid = ? ORDER BY m.id",
      )
      .all(cid) as { role: string }[];
    return rows.map((row) => row.role);
  } finally {
    db.close();
  }
}

const modelCalled = () => vi.waitFor(() => expect(fake.calls).toHaveLength(1), { timeout: 10_000, interval: 20 });

describe("`pithead agent start --json`", () => {
  it("prints the summary alone on stdout, and its log on stderr", async () => {
    const agent = await startAgentCli({ LOG_LEVEL: "info" });
    expect((await complete(agent.url, "json-stdout")).status).toBe(200);
    child?.kill("SIGTERM");
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse(agent.stdout())).toMatchObject({ url: agent.url, provider: "openai", model: "fake-model" });
    expect(agent.stderr()).toMatch(/"msg":"request completed"/);
  });
});

describe("stopping `pithead agent start` while it answers", () => {
  it("lets a request in flight finish on SIGTERM, stores its exchange, and exits 0", async () => {
    const agent = await startAgentCli();
    fake.replies.push({
      text: '{"immediate_response":"finished while stopping","notebook":"no update"}',
      delayMs: 1500,
    });
    const answer = complete(agent.url, "drain");
    await modelCalled();
    child?.kill("SIGTERM");
    const response = await answer;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ output: { immediate_response: "finished while stopping" } });
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(storedMessages(agent.database, "drain")).toEqual(["user", "assistant"]);
  });

  it("answers 503 with Retry-After once SHUTDOWN_TIMEOUT has passed, stops the model call, and exits 0", async () => {
    const agent = await startAgentCli({ SHUTDOWN_TIMEOUT: "0.5" });
    fake.replies.push({ hang: true });
    const abandoned = fake.abandoned;
    const answer = complete(agent.url, "cut-off");
    await modelCalled();
    child?.kill("SIGTERM");
    const response = await answer;
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.body).toEqual({ detail: "The agent is shutting down; retry shortly" });
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    await vi.waitFor(() => expect(fake.abandoned).toBe(abandoned + 1), { timeout: 2000, interval: 20 });
    expect(storedMessages(agent.database, "cut-off")).toEqual([]);
  });

  it("stops at a second Ctrl-C: the request in flight gets its 503 at once, and the exit status says interrupted", async () => {
    const agent = await startAgentCli();
    fake.replies.push({ hang: true });
    const answer = complete(agent.url, "forced");
    await modelCalled();
    child?.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 300));
    child?.kill("SIGINT");
    const response = await answer;
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await agent.exited).toEqual({ code: 130, signal: null });
    expect(storedMessages(agent.database, "forced")).toEqual([]);
  });
});
