// The miner's one config loader: flags > environment > config file > defaults, every key
// validated at start, and an error that names the key, the bad value and where it came from.
// API_KEY and LLM_API_KEY are never part of an error message or a printed config.

import { readFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { resolve } from "node:path";
import { KNOWN_WORKLOADS } from "../workloads/known.ts";
import { CONFIG_KEY_NAMES, CONFIG_KEYS, type ConfigKey, type ConfigKeyDef } from "./config-keys.ts";
import { EnvFileError, parseEnvFile } from "./env-file.ts";
import { ExpandError, expandValue } from "./expand.ts";

export type AccelMode = "auto" | "gpu" | "cpu";
export type LlmProviderKind = "local" | "openai" | "vllm";
export type LogLevel = "debug" | "info" | "warn" | "error";
export type ConfigSource = "flag" | "env" | "file" | "default";

export interface MinerConfig {
  coordUrl: string;
  walletAddr: string;
  apiKey: string;
  minerId: string;
  /** Absolute. */
  workDir: string;
  heartbeatSecs: number;
  jobPollSecs: number;
  pollWaitSecs: number;
  maxConcurrency: number;
  /** Claim a slot's next job this long before its job is estimated to end (0: once it ended). */
  claimAheadMs: number;
  accelMode: AccelMode;
  /** Undefined: every workload the machine can run. */
  workloads: string[] | undefined;
  maxRuntimeS: number;
  shutdownGraceSecs: number;
  /** Settled results older than this are removed from WORK_DIR while the miner runs. */
  resultRetentionDays: number;
  /** Absolute; default `<workDir>/miner.key`. */
  keyFile: string;
  region: string | undefined;
  llm: {
    provider: LlmProviderKind;
    model: string | undefined;
    baseUrl: string | undefined;
    apiKey: string | undefined;
    contextSize: number | undefined;
  };
  torchPython: string;
  sdUrl: string | undefined;
  logLevel: LogLevel;
  /** Test-only fault injection: prove a deliberately wrong output. */
  faultCorruptOutput: boolean;
  /** Where each key's value came from, and the config file read (if any). */
  sources: Record<string, ConfigSource>;
  configFile: string | undefined;
}

export class MinerConfigError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(message);
    this.name = "MinerConfigError";
    this.key = key;
  }
}

export interface LoadMinerConfigOptions {
  /** The config file (`/etc/pithead/miner.conf` style); default $MINER_CONFIG, else none. */
  file?: string;
  /** Default process.env. Only the miner's own keys are read from it. */
  env?: Record<string, string | undefined>;
  /** Flag values by key, as strings (what commander hands over). */
  flags?: Partial<Record<ConfigKey, string>>;
  /** Default os.hostname. */
  hostname?: () => string;
  /** For relative paths; default process.cwd(). */
  cwd?: string;
  /** false: COORD_URL, WALLET_ADDR and API_KEY may be missing (`doctor` on an unconfigured box). */
  requireConnection?: boolean;
}

interface RawValue {
  value: string;
  source: ConfigSource;
  /** Human description of the origin, for error messages. */
  origin: string;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(key: string): string {
  let best: string | undefined;
  let bestDistance = 4;
  for (const name of CONFIG_KEY_NAMES) {
    const distance = editDistance(key.toUpperCase(), name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best ? ` (did you mean ${best}?)` : "";
}

/** A bad value noted while reading, so every one is reported together. */
interface Problem {
  key: string;
  message: string;
}

function readFile(file: string, hostname: () => string, problems: Problem[]): Map<string, RawValue> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable (permission denied)" : String(error);
    throw new MinerConfigError("config", `config file ${file} ${why}`);
  }
  const out = new Map<string, RawValue>();
  let entries: ReturnType<typeof parseEnvFile>;
  try {
    entries = parseEnvFile(text);
  } catch (error) {
    if (error instanceof EnvFileError) throw new MinerConfigError("config", `${file} ${error.message}`);
    throw error;
  }
  for (const entry of entries) {
    const origin = `${file} line ${entry.line}`;
    if (!CONFIG_KEY_NAMES.has(entry.key)) {
      problems.push({ key: entry.key, message: `unknown key ${entry.key} in ${origin}${suggestion(entry.key)}` });
      continue;
    }
    const value =
      entry.literal || isSecret(entry.key)
        ? unescapeDollar(entry.value, entry.literal)
        : expand(entry.key, entry.value, origin, hostname, problems);
    if (value !== undefined) out.set(entry.key, { value, source: "file", origin });
  }
  return out;
}

/** In double-quoted secrets `\$` still means a dollar sign. */
function unescapeDollar(value: string, literal: boolean): string {
  return literal ? value : value.replaceAll("\\$", "$");
}

function isSecret(key: string): boolean {
  return CONFIG_KEYS.find((def) => def.key === key)?.secret === true;
}

/** The value with $(hostname) expanded; undefined (and a problem noted) for other shell syntax. */
function expand(
  key: string,
  value: string,
  origin: string,
  hostname: () => string,
  problems: Problem[],
): string | undefined {
  try {
    return expandValue(value, { hostname });
  } catch (error) {
    if (!(error instanceof ExpandError)) throw error;
    problems.push({ key, message: `${key} (${origin}): ${error.message}` });
    return undefined;
  }
}

/**
 * systemd's EnvironmentFile= keeps a trailing ` # comment` (the seed's file has them) as part
 * of the value, so an environment value drops a whitespace-led `#…` tail.
 */
function stripInlineComment(value: string): string {
  return value.replace(/\s+#.*$/s, "");
}

/** Merges the sources for every key: flag > env > file > default. */
function collect(options: LoadMinerConfigOptions, hostname: () => string, problems: Problem[]): Map<string, RawValue> {
  const env = options.env ?? process.env;
  const file = options.file ?? (env.MINER_CONFIG || undefined);
  const fromFile = file === undefined ? new Map<string, RawValue>() : readFile(file, hostname, problems);
  const merged = new Map<string, RawValue>();
  for (const def of CONFIG_KEYS as readonly ConfigKeyDef[]) {
    const flag = options.flags?.[def.key as ConfigKey];
    const fromEnv = env[def.key];
    if (flag !== undefined) {
      merged.set(def.key, { value: flag, source: "flag", origin: def.flag });
    } else if (fromEnv !== undefined && fromEnv !== "") {
      const origin = `environment variable ${def.key}`;
      const raw = stripInlineComment(fromEnv);
      const value = def.secret ? raw : expand(def.key, raw, origin, hostname, problems);
      if (value !== undefined) merged.set(def.key, { value, source: "env", origin });
    } else if (fromFile.has(def.key)) {
      merged.set(def.key, fromFile.get(def.key) as RawValue);
    } else if (def.fallback !== undefined) {
      const value = expand(def.key, def.fallback, "default", hostname, problems);
      if (value !== undefined) merged.set(def.key, { value, source: "default", origin: "default" });
    }
  }
  return merged;
}

/** Reads the merged values, noting every bad one so the operator can fix them all at once. */
class Reader {
  readonly raw: Map<string, RawValue>;
  readonly problems: Problem[];
  constructor(raw: Map<string, RawValue>, problems: Problem[]) {
    this.raw = raw;
    this.problems = problems;
  }

  /** One problem per key: a value already refused while reading is not also "required" or "bad". */
  problem(key: ConfigKey, message: string): void {
    if (!this.problems.some((problem) => problem.key === key)) this.problems.push({ key, message });
  }

  bad(key: ConfigKey, expectation: string): void {
    const entry = this.raw.get(key);
    const shown = isSecret(key) ? "(hidden)" : JSON.stringify(entry?.value ?? "");
    const from = entry && entry.source !== "default" ? ` (from ${entry.origin})` : "";
    this.problem(key, `${key} ${expectation}, got ${shown}${from}`);
  }

  /** Throws MinerConfigError listing every problem noted (its key is the first one's). */
  finish(): void {
    const [first] = this.problems;
    if (!first) return;
    if (this.problems.length === 1) throw new MinerConfigError(first.key, first.message);
    const lines = this.problems.map((problem) => `  - ${problem.message}`);
    throw new MinerConfigError(
      first.key,
      `${this.problems.length} problems in the miner configuration:\n${lines.join("\n")}`,
    );
  }

  optional(key: ConfigKey): string | undefined {
    const value = this.raw.get(key)?.value.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  required(key: ConfigKey, required: boolean, placeholder = ""): string {
    const value = this.optional(key);
    if (value !== undefined) return value;
    if (required) {
      this.problem(key, `${key} is required (set it in the config file, the environment or with ${flagOf(key)})`);
    }
    return placeholder;
  }

  integer(key: ConfigKey, min: number, max: number, what = "an integer"): number {
    const value = this.optional(key) ?? "";
    if (!/^\d+$/.test(value)) {
      this.bad(key, `must be ${what}`);
      return min;
    }
    const n = Number(value);
    if (n < min || n > max) this.bad(key, `must be ${what} from ${min} to ${max}`);
    return n;
  }

  optionalInteger(key: ConfigKey, min: number, max: number): number | undefined {
    return this.optional(key) === undefined ? undefined : this.integer(key, min, max);
  }

  choice<T extends string>(key: ConfigKey, choices: readonly T[]): T {
    const value = this.optional(key) ?? "";
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.bad(key, `must be one of ${choices.join(", ")}`);
    return choices[0] as T;
  }

  url(key: ConfigKey, value: string | undefined): string | undefined {
    if (value === undefined || value === "") return value;
    const url = URL.parse(value);
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
      this.bad(key, "must be an http:// or https:// URL");
    } else if (url.username || url.password) {
      this.bad(key, "must not carry credentials (use API_KEY)");
    }
    return value.replace(/\/+$/, "");
  }

  pattern(key: ConfigKey, value: string, pattern: RegExp, expectation: string): string {
    if (value !== "" && !pattern.test(value)) this.bad(key, expectation);
    return value;
  }
}

function flagOf(key: ConfigKey): string {
  return CONFIG_KEYS.find((def) => def.key === key)?.flag ?? key;
}

const WALLET = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MINER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const WORKLOAD = /^[a-z][a-z0-9_]{0,63}$/;

/** Loads and validates the whole configuration; throws MinerConfigError naming every bad key. */
export function loadMinerConfig(options: LoadMinerConfigOptions = {}): MinerConfig {
  const hostname = options.hostname ?? osHostname;
  const cwd = options.cwd ?? process.cwd();
  const required = options.requireConnection ?? true;
  const env = options.env ?? process.env;
  const problems: Problem[] = [];
  const r = new Reader(collect(options, hostname, problems), problems);

  const coordUrl = r.url("COORD_URL", r.required("COORD_URL", required)) ?? "";
  const walletAddr = r.pattern(
    "WALLET_ADDR",
    r.required("WALLET_ADDR", required),
    WALLET,
    "must be 1-128 letters, digits, '.', '_', ':' or '-' starting with a letter or digit",
  );
  const apiKey = r.required("API_KEY", required);
  if (apiKey !== "" && /\s/.test(apiKey)) r.bad("API_KEY", "must not contain whitespace");
  const minerId = r.pattern(
    "MINER_ID",
    r.required("MINER_ID", true),
    MINER_ID,
    "must be 1-128 letters, digits, '.', '_', ':', '@' or '-' starting with a letter or digit",
  );
  const workDir = resolve(cwd, r.required("WORK_DIR", true));
  const workloadsText = r.optional("WORKLOADS");
  const workloads = workloadsText
    ?.split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknownWorkloads = workloads?.filter((name) => !(KNOWN_WORKLOADS as readonly string[]).includes(name));
  if (workloads?.some((name) => !WORKLOAD.test(name))) {
    r.bad("WORKLOADS", "must be a comma-separated list of workload names like llm_gen,torch_bench");
  } else if (unknownWorkloads?.length) {
    const names = unknownWorkloads.map((name) => JSON.stringify(name)).join(", ");
    r.bad("WORKLOADS", `names unknown workload ${names} (known: ${KNOWN_WORKLOADS.join(", ")})`);
  }
  const provider = r.choice<LlmProviderKind>("LLM_PROVIDER", ["local", "openai", "vllm"]);
  const llmBaseUrl = r.url("LLM_BASE_URL", r.optional("LLM_BASE_URL"));
  const llmModel = r.optional("LLM_MODEL");
  if (provider === "vllm" && llmBaseUrl === undefined) {
    r.problem("LLM_BASE_URL", "LLM_BASE_URL is required when LLM_PROVIDER is vllm");
  }
  if (provider !== "local" && llmModel === undefined) {
    r.problem("LLM_MODEL", `LLM_MODEL (the model id) is required when LLM_PROVIDER is ${provider}`);
  }
  const fault = r.choice("FAULT_CORRUPT_OUTPUT", ["0", "1"]);
  const keyFile = r.optional("KEY_FILE");

  const config: MinerConfig = {
    coordUrl,
    walletAddr,
    apiKey,
    minerId,
    workDir,
    heartbeatSecs: r.integer("HEARTBEAT_SECS", 1, 3600, "a positive integer"),
    jobPollSecs: r.integer("JOB_POLL_SECS", 1, 3600, "a positive integer"),
    pollWaitSecs: r.integer("POLL_WAIT_SECS", 0, 60, "a whole number of seconds"),
    maxConcurrency: r.integer("MAX_CONCURRENCY", 1, 64, "a positive integer"),
    claimAheadMs: r.integer("CLAIM_AHEAD_MS", 0, 60_000, "a whole number of milliseconds"),
    accelMode: r.choice<AccelMode>("ACCEL_MODE", ["auto", "gpu", "cpu"]),
    workloads,
    maxRuntimeS: r.integer("MAX_RUNTIME_S", 1, 7 * 86_400, "a positive integer"),
    shutdownGraceSecs: r.integer("SHUTDOWN_GRACE_SECS", 0, 3600, "a whole number of seconds"),
    resultRetentionDays: r.integer("RESULT_RETENTION_DAYS", 0, 3650, "a whole number of days"),
    keyFile: resolve(cwd, keyFile ?? resolve(workDir, "miner.key")),
    region: r.optional("REGION"),
    llm: {
      provider,
      model: llmModel === undefined ? undefined : provider === "local" ? resolve(cwd, llmModel) : llmModel,
      baseUrl: llmBaseUrl,
      apiKey: r.optional("LLM_API_KEY") ?? (provider === "local" ? undefined : env.OPENAI_API_KEY || undefined),
      contextSize: r.optionalInteger("LLM_CONTEXT_SIZE", 32, 1 << 21),
    },
    torchPython: r.required("TORCH_PYTHON", true),
    sdUrl: r.url("SD_URL", r.optional("SD_URL")),
    logLevel: r.choice<LogLevel>("LOG_LEVEL", ["debug", "info", "warn", "error"]),
    faultCorruptOutput: fault === "1",
    sources: Object.fromEntries([...r.raw].map(([key, value]) => [key, value.source])),
    configFile: options.file ?? (env.MINER_CONFIG || undefined),
  };
  if (config.region !== undefined && config.region.length > 64) r.bad("REGION", "must be at most 64 characters");
  r.finish();
  return config;
}

/** The configuration as it may be printed or logged: secrets replaced. */
export function redactConfig(config: MinerConfig): Record<string, unknown> {
  return {
    ...config,
    apiKey: config.apiKey ? "(set)" : "(unset)",
    llm: { ...config.llm, apiKey: config.llm.apiKey ? "(set)" : "(unset)" },
  };
}
