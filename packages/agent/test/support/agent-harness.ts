// Starting an agent for a test: real HTTP on 127.0.0.1, an in-memory SQLite store unless told
// otherwise, and a `call` helper that speaks to it with or without the key.

import {
  type AgentConfig,
  loadAgentConfig,
  type RunningAgent,
  type StartAgentOptions,
  startAgent,
} from "../../src/index.ts";

export const TEST_KEY = "test-key-0123456789abcdefghijklmnop";

/** Limits high enough that only the rate-limit tests ever meet them. */
export const NO_RATE_LIMITS = Object.fromEntries(
  [
    "COMPLETE",
    "REFINE",
    "FEEDBACK",
    "HUMAN_FEEDBACK",
    "INTERNET_SEARCH",
    "SUMMARY",
    "AGGREGATE",
    "CONVERSATIONS",
    "PLAYBOOK",
    "AUTH_FAILURES",
  ].map((group) => [`RATE_LIMIT_${group}`, "100000"]),
);

export function testConfig(env: Record<string, string> = {}): AgentConfig {
  return loadAgentConfig(
    {
      API_KEY: TEST_KEY,
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: "sqlite:///:memory:",
      DATA_DIR: `${process.env.TMPDIR ?? "/tmp"}/pithead-agent-test-data`,
      MAX_TOKENS: "64",
      LOG_LEVEL: "silent",
      ...NO_RATE_LIMITS,
      ...env,
    },
    { envFile: false },
  );
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface TestAgent extends AsyncDisposable {
  agent: RunningAgent;
  url: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<CallResult>;
  /** POST with the key. */
  post(path: string, body: unknown): Promise<CallResult>;
}

export async function startTestAgent(
  env: Record<string, string> = {},
  options: StartAgentOptions = {},
): Promise<TestAgent> {
  const agent = await startAgent(testConfig(env), { logger: false, ...options });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { "x-api-key": TEST_KEY },
  ) => {
    const response = await fetch(agent.url + path, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    agent,
    url: agent.url,
    call,
    post: (path, body) => call("POST", path, body),
    [Symbol.asyncDispose]: () => agent.close(),
  };
}

export const request = (overrides: Record<string, unknown> = {}) => ({
  cid: "test-123",
  task: "Explain quantum computing",
  input: [{ user_query: "What is quantum computing in simple terms?" }],
  use_conversation_history: true,
  use_playbook: true,
  ...overrides,
});
