import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DotenvError, parseDotenv } from "./dotenv.ts";
import { frameAncestorsProblem } from "./frame-ancestors.ts";
import { type ConfigError, loadAgentConfig } from "./load-config.ts";

describe(".env files", () => {
  it("reads the forms python-dotenv reads", () => {
    const text = [
      "# comment",
      "",
      "API_KEY=abc123",
      "export PORT=8002",
      "LLM_PROVIDER=openai  # Options: openai or vllm",
      "OPENAI_MODEL='gpt-4o-mini # not a comment'",
      'GREETING="line one\\nline \\"two\\""',
      "EMPTY=",
      "SPACED = value with spaces ",
      "HASH=#not-a-value",
    ].join("\r\n");
    expect(parseDotenv(text)).toEqual({
      API_KEY: "abc123",
      PORT: "8002",
      LLM_PROVIDER: "openai",
      OPENAI_MODEL: "gpt-4o-mini # not a comment",
      GREETING: 'line one\nline "two"',
      EMPTY: "",
      SPACED: "value with spaces",
      HASH: "",
    });
  });

  it("names the file and line of a malformed entry", () => {
    expect(() => parseDotenv("A=1\nthis is not a setting\n", "/srv/.env")).toThrow(
      new DotenvError("/srv/.env", 2, 'expected KEY=value, got "this is not a setting"'),
    );
    expect(() => parseDotenv('A="open')).toThrow(/unterminated " quote in A/);
  });
});

describe("the agent's configuration", () => {
  const dir = mkdtempSync(join(tmpdir(), "pithead-agent-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (env: Record<string, string>) =>
    loadAgentConfig({ API_KEY: "a-real-secret-0123456789", ...env }, { envFile: false, cwd: dir });
  const errorOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error as ConfigError;
    }
    throw new Error("expected a ConfigError");
  };

  it("has the reference's defaults, with the in-process model and SQLite", () => {
    const config = load({});
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 8001,
      llm: { provider: "local", gpu: "auto" },
      requestTimeoutMs: 60_000,
      shutdownTimeoutMs: 60_000,
      maxConversationMessages: 10,
      smartHistoryCount: 5,
      retentionDays: 7,
      maxPlaybookEntries: 50,
      databaseUrl: "sqlite:///./data/miner_api.db",
      database: { kind: "sqlite", path: join(dir, "data", "miner_api.db") },
      search: undefined,
      trustProxy: false,
      logLevel: "info",
    });
    expect(config.rateLimits.complete).toBe(20);
  });

  it("answers the quick start's tiny model in 128 tokens, and real models in the reference's 4,000", () => {
    expect(load({}).maxTokens).toBe(128);
    expect(load({ MAX_TOKENS: "4000" }).maxTokens).toBe(4000);
    expect(load({ LOCAL_MODEL_PATH: "/models/llama.gguf" }).maxTokens).toBe(4000);
    expect(load({ LLM_PROVIDER: "vllm" }).maxTokens).toBe(4000);
    expect(load({ LLM_PROVIDER: "openai", OPENAI_API_KEY: "sk-live-0123456789" }).maxTokens).toBe(4000);
  });

  it("refuses to start without an API key, or with the example's placeholder", () => {
    const missing = errorOf(() => loadAgentConfig({}, { envFile: false, cwd: dir }));
    expect(missing.key).toBe("API_KEY");
    expect(missing.message).toMatch(/refuses to start without one/);
    expect(errorOf(() => load({ API_KEY: "your-secure-random-api-key-here" })).key).toBe("API_KEY");
  });

  it("refuses an API_KEY shorter than 16 characters, naming API_KEY and how to make one", () => {
    for (const key of ["a", "abcdefghijklmno"]) {
      const short = errorOf(() => load({ API_KEY: key }));
      expect(short.key).toBe("API_KEY");
      expect(short.message).toBe(
        `API_KEY: must be at least 16 characters (got ${key.length}): a short key can be guessed. make one with \`npx pithead agent new-key\``,
      );
    }
    expect(load({ API_KEY: "abcdefghijklmnop" }).apiKey).toBe("abcdefghijklmnop");
  });

  it("reads .env, and lets the environment win over it", () => {
    writeFileSync(join(dir, ".env"), "API_KEY=from-file-0123456789\nPORT=9000\nMAX_CONVERSATION_MESSAGES=20\n");
    const config = loadAgentConfig({ PORT: "9100" }, { cwd: dir });
    expect(config.apiKey).toBe("from-file-0123456789");
    expect(config.port).toBe(9100);
    expect(config.maxConversationMessages).toBe(20);
    expect(errorOf(() => loadAgentConfig({}, { cwd: dir, envFile: "missing.env" })).message).toMatch(/does not exist/);
  });

  it("lets only the console's own origin frame it by default, and checks UI_FRAME_ANCESTORS", () => {
    const { uiFrameAncestors } = load({});
    expect(uiFrameAncestors).toBe("'self'");
    expect(frameAncestorsProblem(uiFrameAncestors)).toBeUndefined();
    for (const good of [
      "'none'",
      "https:",
      "https://dash.example.com:8443 'self'",
      "*.example.com http://10.0.0.5:3000/ui",
    ]) {
      expect(load({ UI_FRAME_ANCESTORS: good }).uiFrameAncestors).toBe(good);
    }
    const ipv6 = errorOf(() => load({ UI_FRAME_ANCESTORS: "'self' http://[::1]:*" }));
    expect(ipv6.key).toBe("UI_FRAME_ANCESTORS");
    expect(ipv6.message).toMatch(/http:\/\/\[::1\]:\*: CSP has no syntax for IPv6 addresses/);
    expect(errorOf(() => load({ UI_FRAME_ANCESTORS: "'self'; script-src *" })).message).toMatch(/without ";"/);
    expect(errorOf(() => load({ UI_FRAME_ANCESTORS: "'unsafe-inline'" })).message).toMatch(/not allowed/);
    expect(errorOf(() => load({ UI_FRAME_ANCESTORS: "'self' 'none'" })).message).toMatch(/must stand alone/);
    expect(errorOf(() => load({ UI_FRAME_ANCESTORS: "http://dash_board" })).message).toMatch(
      /dash_board is not a CSP source/,
    );
  });

  it("waits REQUEST_TIMEOUT for requests in flight on a stop unless SHUTDOWN_TIMEOUT says otherwise", () => {
    expect(load({ REQUEST_TIMEOUT: "30" }).shutdownTimeoutMs).toBe(30_000);
    expect(load({ REQUEST_TIMEOUT: "30", SHUTDOWN_TIMEOUT: "8" }).shutdownTimeoutMs).toBe(8000);
    expect(load({ SHUTDOWN_TIMEOUT: "0" }).shutdownTimeoutMs).toBe(0);
    expect(errorOf(() => load({ SHUTDOWN_TIMEOUT: "-1" })).message).toBe(
      'SHUTDOWN_TIMEOUT: must be a non-negative number of seconds, got "-1"',
    );
  });

  it("refuses a base URL that is the chat endpoint itself, saying which base URL to set", () => {
    const vllm = errorOf(() =>
      load({ LLM_PROVIDER: "vllm", VLLM_BASE_URL: "http://gpu-box:8000/v1/chat/completions", VLLM_MODEL: "m" }),
    );
    expect(vllm.message).toBe(
      "VLLM_BASE_URL: is an endpoint (/chat/completions), not the server's base URL: set http://gpu-box:8000/v1 (the client adds /chat/completions)",
    );
    const openai = errorOf(() =>
      load({ LLM_PROVIDER: "openai", OPENAI_BASE_URL: "https://proxy.example/v1/completions/" }),
    );
    expect(openai.key).toBe("OPENAI_BASE_URL");
    expect(openai.message).toContain("set https://proxy.example/v1 ");
    expect(load({ LLM_PROVIDER: "openai", OPENAI_BASE_URL: "http://127.0.0.1:8080/v1/" }).llm).toMatchObject({
      baseUrl: "http://127.0.0.1:8080/v1/",
    });
  });

  it("refuses a REQUEST_TIMEOUT or SHUTDOWN_TIMEOUT longer than a day instead of timing out every request at once", () => {
    expect(errorOf(() => load({ REQUEST_TIMEOUT: "99999999" })).message).toBe(
      'REQUEST_TIMEOUT: must be at most 86400 seconds (a day), got "99999999"',
    );
    expect(errorOf(() => load({ SHUTDOWN_TIMEOUT: "3000000" })).key).toBe("SHUTDOWN_TIMEOUT");
    expect(load({ REQUEST_TIMEOUT: "86400" }).requestTimeoutMs).toBe(86_400_000);
  });

  it("configures OpenAI and vLLM by the reference's variable names", () => {
    expect(load({ LLM_PROVIDER: "openai", OPENAI_API_KEY: "sk-x", OPENAI_MODEL: "gpt-4o" }).llm).toMatchObject({
      provider: "openai",
      apiKey: "sk-x",
      model: "gpt-4o",
      maxRetries: 2,
    });
    expect(load({ LLM_PROVIDER: "VLLM", VLLM_MODEL: "m", VLLM_API_KEY: "k" }).llm).toMatchObject({
      provider: "vllm",
      baseUrl: "http://localhost:8000/v1",
      model: "m",
      apiKey: "k",
    });
    expect(errorOf(() => load({ LLM_PROVIDER: "openai" })).key).toBe("OPENAI_API_KEY");
    expect(errorOf(() => load({ LLM_PROVIDER: "anthropic" })).message).toBe(
      'LLM_PROVIDER: must be one of local, openai, vllm, got "anthropic"',
    );
  });

  it("takes PostgreSQL URLs and refuses anything else, without echoing a password", () => {
    expect(load({ DATABASE_URL: "postgresql://u:p@db/agent" }).database).toEqual({
      kind: "postgres",
      url: "postgresql://u:p@db/agent",
    });
    expect(load({ DATABASE_URL: "sqlite:////var/lib/agent.db" }).database).toEqual({
      kind: "sqlite",
      path: "/var/lib/agent.db",
    });
    const bad = errorOf(() => load({ DATABASE_URL: "mysql://root:hunter2@db/agent" }));
    expect(bad.key).toBe("DATABASE_URL");
    expect(bad.message).not.toContain("hunter2");
  });

  it("refuses a model server URL with a user name or password, naming the variable, never the password", () => {
    const bad = errorOf(() =>
      load({ LLM_PROVIDER: "vllm", VLLM_BASE_URL: "http://user:hunter2@gpu-box:8000/v1", VLLM_MODEL: "m" }),
    );
    expect(bad.key).toBe("VLLM_BASE_URL");
    expect(bad.message).toMatch(/must not contain a user name or password .*put the key in VLLM_API_KEY/);
    expect(bad.message).not.toContain("hunter2");
    const openai = errorOf(() => load({ LLM_PROVIDER: "openai", OPENAI_BASE_URL: "https://k:sk-1@proxy/v1" }));
    expect(openai.key).toBe("OPENAI_BASE_URL");
    expect(openai.message).not.toContain("sk-1");
    const notHttp = errorOf(() => load({ LLM_PROVIDER: "vllm", VLLM_BASE_URL: "ftp://u:pw@host/v1?key=QTOKEN" }));
    expect(notHttp.message).toMatch(/^VLLM_BASE_URL: must be an http\(s\) URL/);
    expect(notHttp.message).not.toMatch(/pw|QTOKEN/);
  });

  it("names the variable of every bad value", () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: "eighty" }, "PORT"],
      [{ PORT: "70000" }, "PORT"],
      [{ REQUEST_TIMEOUT: "-1" }, "REQUEST_TIMEOUT"],
      [{ MAX_CONVERSATION_MESSAGES: "0" }, "MAX_CONVERSATION_MESSAGES"],
      [{ MAX_CONVERSATION_MESSAGES: "4", SMART_HISTORY_COUNT: "5" }, "SMART_HISTORY_COUNT"],
      [{ CONVERSATION_CLEANUP_DAYS: "1.5" }, "CONVERSATION_CLEANUP_DAYS"],
      [{ SEARCH_BACKEND_URL: "searx.local" }, "SEARCH_BACKEND_URL"],
      [{ RATE_LIMIT_COMPLETE: "many" }, "RATE_LIMIT_COMPLETE"],
      [{ TRUST_PROXY: "maybe" }, "TRUST_PROXY"],
      [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    ];
    for (const [env, key] of cases) expect(errorOf(() => load(env)).key, JSON.stringify(env)).toBe(key);
  });

  it("reports every bad value at once, one per line", () => {
    const error = errorOf(() => load({ PORT: "abc", RATE_LIMIT_COMPLETE: "-1", LOG_LEVEL: "loud" }));
    expect(error.key).toBe("RATE_LIMIT_COMPLETE");
    expect(error.problems).toEqual([
      "RATE_LIMIT_COMPLETE: must be between 0 and 1000000, got -1",
      'PORT: must be a whole number, got "abc"',
      'LOG_LEVEL: must be one of fatal, critical, error, warn, warning, info, debug, trace, silent, got "loud"',
    ]);
    expect(error.message.split("\n")[0]).toBe("3 problems in the agent's configuration:");
  });

  it("accepts Python's log level names, fractional timeouts and disabled rate limits", () => {
    expect(load({ LOG_LEVEL: "WARNING" }).logLevel).toBe("warn");
    expect(load({ LOG_LEVEL: "CRITICAL" }).logLevel).toBe("fatal");
    expect(load({ REQUEST_TIMEOUT: "2.5" }).requestTimeoutMs).toBe(2500);
    expect(load({ RATE_LIMIT_SUMMARY: "0" }).rateLimits.summary).toBe(0);
    expect(load({ SEARCH_BACKEND_URL: "http://searx:8080", SEARCH_MAX_RESULTS: "3" }).search).toEqual({
      url: "http://searx:8080",
      maxResults: 3,
    });
  });
});

describe("startAgent without a key", () => {
  it("refuses to build a server whose key is empty, even from a hand-made config", async () => {
    const { startAgent } = await import("../start-agent.ts");
    const config = loadAgentConfig(
      { API_KEY: "x-0123456789abcdef", DATABASE_URL: "sqlite:///:memory:" },
      { envFile: false },
    );
    const model = {
      info: () => ({ provider: "none", model: "none" }),
      generate: async () => ({ text: "", finishReason: "stop" as const }),
    };
    await expect(startAgent({ ...config, apiKey: " " }, { model, logger: false })).rejects.toThrow(/refuses to start/);
  });
});
