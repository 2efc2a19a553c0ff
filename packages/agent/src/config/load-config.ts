// The agent's configuration: the reference's variable names, read from the environment and a
// `.env` file (the environment wins, as with pydantic-settings), validated once at start. Every
// problem names its variable, and all of them are reported together, so `pithead agent start`
// fails once with the whole list instead of one fix per start.

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pastedEndpoint } from "@pithead/llm";
import { type DatabaseLocation, parseDatabaseUrl } from "../store/database-url.ts";
import { apiKeyProblem } from "./api-key-rule.ts";
import { parseDotenv } from "./dotenv.ts";
import { DEFAULT_FRAME_ANCESTORS, frameAncestorsProblem } from "./frame-ancestors.ts";

export class ConfigError extends Error {
  readonly key: string;
  /** Every problem found, "KEY: what is wrong" (this error's own message when there is one). */
  readonly problems: string[];
  constructor(key: string, message: string, more: string[] = []) {
    const problems = [`${key}: ${message}`, ...more];
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems in the agent's configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.key = key;
    this.problems = problems;
  }
}

export const RATE_LIMIT_GROUPS = [
  "complete",
  "refine",
  "feedback",
  "human_feedback",
  "internet_search",
  "summary",
  "aggregate",
  "conversations",
  "playbook",
] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

/** Requests per minute, per API key and client address (the reference's slowapi limits). */
export const DEFAULT_RATE_LIMITS: Record<RateLimitGroup, number> = {
  complete: 20,
  refine: 20,
  feedback: 20,
  human_feedback: 30,
  internet_search: 10,
  summary: 15,
  aggregate: 15,
  conversations: 30,
  playbook: 30,
};

export type LlmProviderKind = "local" | "openai" | "vllm";

export interface LlmSettings {
  provider: LlmProviderKind;
  /** openai/vllm: the model id; local: undefined (the file name is the model). */
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  /** local: the GGUF file; undefined means the generated tiny model under dataDir. */
  modelPath?: string;
  gpu: "auto" | "cpu" | "cuda";
  /** local: concurrent sequences (llama.cpp batches them). */
  parallel?: number;
  /** openai/vllm: retries after 429/5xx/dropped connections. */
  maxRetries?: number;
  /**
   * Tokens per request (prompt + answer). local: the context allocated (LOCAL_CONTEXT_SIZE; default
   * the model's, up to 16384). openai/vllm: the served model's window (LLM_CONTEXT_SIZE; default
   * what the server reports, if it does). Stored history is cut to fit it.
   */
  contextSize?: number;
}

export interface AgentConfig {
  apiKey: string;
  host: string;
  port: number;
  minerName: string;
  llm: LlmSettings;
  maxTokens: number;
  requestTimeoutMs: number;
  /**
   * On a stop signal, how long requests in flight may still run (default REQUEST_TIMEOUT, so none is
   * cut short); those still running then answer 503 with Retry-After, nothing half-stored.
   */
  shutdownTimeoutMs: number;
  maxConversationMessages: number;
  smartHistoryCount: number;
  retentionDays: number;
  maxPlaybookEntries: number;
  /** As given (for display); `database` is what it points to. */
  databaseUrl: string;
  database: DatabaseLocation;
  /** Where the tiny model and the default SQLite file live. */
  dataDir: string;
  search: { url: string; maxResults: number } | undefined;
  rateLimits: Record<RateLimitGroup, number>;
  /** Wrong API keys per minute per client address answered 403; past it, 429 (0: no limit). */
  authFailureLimit: number;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** CSP frame-ancestors of the test UI, so the dashboard can embed it. */
  uiFrameAncestors: string;
}

export interface LoadConfigOptions {
  /** A `.env` file to read (`--dotenv`); default `.env` in `cwd` when it exists; false reads none. */
  envFile?: string | false;
  cwd?: string;
}

type Env = Record<string, string | undefined>;

/** MAX_TOKENS of the reference, for real models. */
export const DEFAULT_MAX_TOKENS = 4000;
/** MAX_TOKENS when the model is the generated tiny one (no LOCAL_MODEL_PATH), which is only a demo. */
export const TINY_MODEL_MAX_TOKENS = 128;

/** Wrong API keys answered 403 per minute and client address before the rest get 429. */
export const DEFAULT_AUTH_FAILURE_LIMIT = 10;

/** The longest REQUEST_TIMEOUT / SHUTDOWN_TIMEOUT: a day, far inside what a timer can hold. */
export const MAX_TIMEOUT_S = 86_400;

/** Reads variables, noting each bad one (the fallback stands in) so every problem is reported. */
class Reader {
  private readonly env: Env;
  private readonly problems: { key: string; message: string }[] = [];
  constructor(env: Env) {
    this.env = env;
  }

  problem(key: string, message: string): void {
    this.problems.push({ key, message });
  }

  /** Throws one ConfigError listing every problem noted, if any. */
  finish(): void {
    const [first, ...rest] = this.problems;
    if (first)
      throw new ConfigError(
        first.key,
        first.message,
        rest.map((p) => `${p.key}: ${p.message}`),
      );
  }

  text(key: string): string | undefined {
    const value = this.env[key]?.trim();
    return value === "" ? undefined : value;
  }

  int(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.text(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw)) this.problem(key, `must be a whole number, got "${raw}"`);
    else if (value < min || value > max) this.problem(key, `must be between ${min} and ${max}, got ${value}`);
    else return value;
    return fallback;
  }

  seconds(key: string, fallback: number, allowZero = false): number {
    const raw = this.text(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !(value > 0 || allowZero)) {
      this.problem(key, `must be a ${allowZero ? "non-negative" : "positive"} number of seconds, got "${raw}"`);
    } else if (value > MAX_TIMEOUT_S) {
      // Node's timers hold at most 2^31 - 1 ms (24.8 days) and fire at once past it: a "no limit"
      // REQUEST_TIMEOUT=99999999 answered every request 504 at once.
      this.problem(key, `must be at most ${MAX_TIMEOUT_S} seconds (a day), got "${raw}"`);
    } else return value;
    return fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const raw = this.text(key)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    this.problem(key, `must be true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const raw = this.text(key)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (allowed.includes(raw as T)) return raw as T;
    this.problem(key, `must be one of ${allowed.join(", ")}, got "${raw}"`);
    return fallback;
  }

  url(key: string, fallback?: string): string | undefined {
    const raw = this.text(key) ?? fallback;
    if (raw === undefined) return undefined;
    const parsed = URL.parse(raw);
    if (parsed === null || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      // Echoed without what may hold a key: a password, a query.
      const shown = raw.replace(/\/\/[^/@]*@/, "//***@").replace(/\?.*$/, "?…");
      this.problem(key, `must be an http(s) URL, got "${shown}"`);
      return fallback;
    }
    // fetch refuses to send such a URL, and the password would be shown wherever the URL is.
    if (parsed.username !== "" || parsed.password !== "") {
      const keyVariable = key.replace(/_BASE_URL$/, "_API_KEY");
      this.problem(
        key,
        `must not contain a user name or password (${parsed.host}): ${keyVariable === key ? "remove them" : `put the key in ${keyVariable}`}`,
      );
      return fallback;
    }
    return raw;
  }

  /** An OpenAI-compatible server's base URL (…/v1), not its endpoint pasted in its place (pastedEndpoint). */
  baseUrl(key: string, fallback?: string): string | undefined {
    const url = this.url(key, fallback);
    if (url === undefined) return undefined;
    const pasted = pastedEndpoint(new URL(url));
    if (pasted === undefined) return url;
    this.problem(
      key,
      `is an endpoint (${pasted.endpoint}), not the server's base URL: set ${pasted.base} (the client adds /chat/completions)`,
    );
    return fallback;
  }
}

function readEnvFile(options: LoadConfigOptions, cwd: string): Env {
  if (options.envFile === false) return {};
  const file = resolve(cwd, options.envFile ?? ".env");
  if (!existsSync(file)) {
    // An explicit file comes from `--dotenv <file>`: the error names the option given.
    if (options.envFile !== undefined) throw new ConfigError("--dotenv", `${file} does not exist`);
    return {};
  }
  return parseDotenv(readFileSync(file, "utf8"), file);
}

function llmSettings(read: Reader): LlmSettings {
  const provider = read.oneOf("LLM_PROVIDER", ["local", "openai", "vllm"] as const, "local");
  const gpu = read.oneOf("LOCAL_GPU", ["auto", "cpu", "cuda"] as const, "auto");
  switch (provider) {
    case "openai": {
      const apiKey = read.text("OPENAI_API_KEY");
      const baseUrl = read.baseUrl("OPENAI_BASE_URL");
      // A custom base URL (a proxy, a local OpenAI-compatible server) may not need a key.
      if (!apiKey && !baseUrl) read.problem("OPENAI_API_KEY", "is required when LLM_PROVIDER=openai");
      return {
        provider,
        apiKey,
        baseUrl,
        model: read.text("OPENAI_MODEL") ?? "gpt-4o-mini",
        gpu,
        maxRetries: read.int("LLM_MAX_RETRIES", 2, 0, 20),
        contextSize: optionalInt(read, "LLM_CONTEXT_SIZE", 32, 1 << 24),
      };
    }
    case "vllm":
      return {
        provider,
        baseUrl: read.baseUrl("VLLM_BASE_URL", "http://localhost:8000/v1"),
        apiKey: read.text("VLLM_API_KEY"),
        model: read.text("VLLM_MODEL") ?? "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
        gpu,
        maxRetries: read.int("LLM_MAX_RETRIES", 2, 0, 20),
        contextSize: optionalInt(read, "LLM_CONTEXT_SIZE", 32, 1 << 24),
      };
    case "local": {
      const parallel = optionalInt(read, "LOCAL_PARALLEL", 1, 256);
      const contextSize = optionalInt(read, "LOCAL_CONTEXT_SIZE", 32, 1 << 21);
      return { provider, modelPath: read.text("LOCAL_MODEL_PATH"), gpu, parallel, contextSize };
    }
  }
}

/** A whole number that has no default of ours (the model or the server decides when unset). */
function optionalInt(read: Reader, key: string, min: number, max: number): number | undefined {
  return read.text(key) === undefined ? undefined : read.int(key, min, min, max);
}

// Python's level names (the reference's LOG_LEVEL=INFO, WARNING, CRITICAL) map onto pino's.
function logLevel(read: Reader): AgentConfig["logLevel"] {
  const level = read.oneOf(
    "LOG_LEVEL",
    ["fatal", "critical", "error", "warn", "warning", "info", "debug", "trace", "silent"] as const,
    "info",
  );
  return level === "critical" ? "fatal" : level === "warning" ? "warn" : level;
}

function frameAncestors(read: Reader): string {
  const value = read.text("UI_FRAME_ANCESTORS");
  if (value === undefined) return DEFAULT_FRAME_ANCESTORS;
  const problem = frameAncestorsProblem(value);
  if (!problem) return value;
  read.problem("UI_FRAME_ANCESTORS", problem);
  return DEFAULT_FRAME_ANCESTORS;
}

/** The variables the agent sees: the `.env` file's, overridden by the environment's. */
export function agentEnvironment(env: Env = process.env, options: LoadConfigOptions = {}): Env {
  return { ...readEnvFile(options, options.cwd ?? process.cwd()), ...env };
}

export function loadAgentConfig(env: Env = process.env, options: LoadConfigOptions = {}): AgentConfig {
  const cwd = options.cwd ?? process.cwd();
  const read = new Reader(agentEnvironment(env, options));

  const apiKey = read.text("API_KEY") ?? "";
  if (!apiKey) {
    read.problem(
      "API_KEY",
      "is not set: the agent refuses to start without one. make one with `npx pithead agent new-key` and set API_KEY in the environment or .env",
    );
  } else {
    const problem = apiKeyProblem(apiKey);
    if (problem) read.problem("API_KEY", problem);
  }

  const dataDir = resolve(cwd, read.text("DATA_DIR") ?? "data");
  const databaseUrl = read.text("DATABASE_URL") ?? "sqlite:///./data/miner_api.db";
  const database = parseDatabaseUrl(databaseUrl, cwd);
  if (!database) {
    read.problem(
      "DATABASE_URL",
      `must be sqlite:///path/to/file.db or postgres://user:pass@host/db, got "${databaseUrl.replace(/:[^:@/]*@/, ":***@")}"`,
    );
  }

  const searchUrl = read.url("SEARCH_BACKEND_URL");
  const rateLimits = { ...DEFAULT_RATE_LIMITS };
  for (const group of RATE_LIMIT_GROUPS) {
    rateLimits[group] = read.int(`RATE_LIMIT_${group.toUpperCase()}`, DEFAULT_RATE_LIMITS[group], 0, 1_000_000);
  }

  const llm = llmSettings(read);
  // The generated tiny model answers "ABCDEF…" whatever is asked: the reference's 4,000 tokens of
  // that took 24 s on a small machine, so the quick start answers a short one unless told otherwise.
  const tinyModel = llm.provider === "local" && llm.modelPath === undefined;
  const maxConversationMessages = read.int("MAX_CONVERSATION_MESSAGES", 10, 1, 10_000);
  const requestTimeout = read.seconds("REQUEST_TIMEOUT", 60);
  const config: AgentConfig = {
    apiKey,
    host: read.text("HOST") ?? "0.0.0.0",
    port: read.int("PORT", 8001, 0, 65_535),
    minerName: read.text("MINER_NAME") ?? "pithead-agent",
    llm,
    maxTokens: read.int("MAX_TOKENS", tinyModel ? TINY_MODEL_MAX_TOKENS : DEFAULT_MAX_TOKENS, 1, 1_000_000),
    requestTimeoutMs: Math.max(1, Math.round(requestTimeout * 1000)),
    shutdownTimeoutMs: Math.round(read.seconds("SHUTDOWN_TIMEOUT", requestTimeout, true) * 1000),
    maxConversationMessages,
    smartHistoryCount: read.int(
      "SMART_HISTORY_COUNT",
      Math.min(5, maxConversationMessages),
      0,
      maxConversationMessages,
    ),
    retentionDays: read.int("CONVERSATION_CLEANUP_DAYS", 7, 1, 36_500),
    maxPlaybookEntries: read.int("MAX_PLAYBOOK_ENTRIES", 50, 1, 10_000),
    databaseUrl,
    database: database as DatabaseLocation, // undefined only with a problem noted: finish() throws
    dataDir,
    search: searchUrl ? { url: searchUrl, maxResults: read.int("SEARCH_MAX_RESULTS", 5, 1, 50) } : undefined,
    rateLimits,
    authFailureLimit: read.int("RATE_LIMIT_AUTH_FAILURES", DEFAULT_AUTH_FAILURE_LIMIT, 0, 1_000_000),
    trustProxy: read.bool("TRUST_PROXY", false),
    logLevel: logLevel(read),
    uiFrameAncestors: frameAncestors(read),
  };
  read.finish();
  return config;
}
