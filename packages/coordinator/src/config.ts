// The coordinator's configuration: flags over environment over defaults, validated once at start.
// A bad value stops the start with an error naming its flag or variable.
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { archiveDirUnwritable } from "@pithead/ledger";

export type DatabaseConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

export interface CoordinatorConfig {
  host: string;
  port: number;
  /** Where the embedded database, the signing keys and admin.key live. */
  dataDir: string;
  db: DatabaseConfig;
  /** An admin key given by the operator (PITHEAD_ADMIN_KEY); else one is generated on first start. */
  adminKey: string | undefined;
  feeBps: number;
  leaseTtlS: number;
  heartbeatTimeoutS: number;
  maxInFlightPerMiner: number;
  idempotencyRetentionS: number;
  /** Outputs of jobs that ended longer ago than this are removed (hash, metrics, receipts stay); 0 keeps them. */
  resultRetentionDays: number;
  /** Where ledger records older than ledgerArchiveAfterDays move out of the database; undefined: they stay. */
  ledgerArchiveDir: string | undefined;
  ledgerArchiveAfterDays: number;
  /** Defaults for jobs that do not say. */
  defaultTtlS: number;
  defaultMaxRuntimeS: number;
  defaultMaxAttempts: number;
  maxReplicas: number;
  /** Largest proof output accepted inline (decoded bytes). */
  maxOutputBytes: number;
  sweepIntervalMs: number;
  /** PostgreSQL: backstop poll for long-polling miners in case a NOTIFY is missed. */
  pollIntervalMs: number;
  /** Requests per minute per key (or address); 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** Event streams and long-polls one key may hold open at once in this process; 0: no cap. */
  maxStreamsPerKey: number;
  logLevel: string;
  receiptKeyFile: string;
  ledgerKeyFile: string;
  /** Name of the ledger log in checkpoints. */
  ledgerOrigin: string;
}

export class ConfigError extends Error {
  readonly key: string;
  /** What is wrong with `key`. */
  readonly detail: string;
  /** Every problem, "KEY: what is wrong"; more than one when several settings are bad. */
  readonly problems: string[];
  constructor(key: string, message: string, more: string[] = []) {
    const problems = [`${key}: ${message}`, ...more];
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems in the coordinator's configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.key = key;
    this.detail = message;
    this.problems = problems;
  }
}

/** One setting: its flag name, its environment variable and how to parse it. */
interface Setting<T> {
  /** The command-line flag, or null for secrets (only from the environment, never in `ps`). */
  flag: string | null;
  env: string;
  description: string;
  parse(raw: string, name: string): T;
}

function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got ${JSON.stringify(raw)}`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
  };
}

const text = (raw: string, name: string): string => {
  if (raw.trim() === "") throw new ConfigError(name, "must not be empty");
  return raw.trim();
};

/** A directory to write into: absolute, and it (or the nearest of its parents that exists) is a directory. */
function directory(raw: string, name: string): string {
  const dir = resolve(text(raw, name));
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  if (!statSync(at).isDirectory())
    throw new ConfigError(
      name,
      at === dir ? `${dir} is a file, not a directory` : `${at} is a file, so ${dir} cannot be made under it`,
    );
  return dir;
}

/**
 * The archive directory: a directory (see above) that can be written now. It is made and a probe file
 * written there, so a missing or read-only mount stops the start instead of failing an hour later.
 */
function archiveDirectory(raw: string, name: string): string {
  const dir = directory(raw, name);
  const why = archiveDirUnwritable(dir);
  if (why !== undefined)
    throw new ConfigError(
      name,
      `${dir} cannot be written (${why}): the coordinator moves its old ledger records there`,
    );
  return dir;
}

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export const settings = {
  host: {
    flag: "--host",
    env: "PITHEAD_HOST",
    description: "interface to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)",
    parse: text,
  },
  port: {
    flag: "--port",
    env: "PITHEAD_PORT",
    description: "TCP port (default: 8080, as in the seed COORD_URL)",
    parse: integer(0, 65_535),
  },
  dataDir: {
    flag: "--data",
    env: "PITHEAD_DATA",
    description: "directory for the database, signing keys and admin.key (default: ./data)",
    parse: text,
  },
  db: {
    flag: "--db",
    env: "PITHEAD_DB",
    description: "SQLite file path or postgres:// URL (default: <data>/coordinator.db)",
    parse: text,
  },
  adminKey: {
    flag: null,
    env: "PITHEAD_ADMIN_KEY",
    description: "an admin key to accept (at least 16 characters); otherwise one is generated on first start",
    parse: (raw: string, name: string) => {
      if (raw.length < 16) throw new ConfigError(name, "must be at least 16 characters (use a random key)");
      if (!/^[\x21-\x7e]+$/.test(raw)) throw new ConfigError(name, "must be printable ASCII without spaces");
      return raw;
    },
  },
  feeBps: {
    flag: "--fee-bps",
    env: "PITHEAD_FEE_BPS",
    description: "coordinator fee per reward in basis points (default: 100 = 1%)",
    parse: integer(0, 10_000),
  },
  leaseTtlS: {
    flag: "--lease-ttl",
    env: "PITHEAD_LEASE_TTL_S",
    description: "seconds a lease lasts unless a heartbeat renews it (default: 120)",
    parse: integer(1, 86_400),
  },
  heartbeatTimeoutS: {
    flag: "--heartbeat-timeout",
    env: "PITHEAD_HEARTBEAT_TIMEOUT_S",
    description: "seconds of silence before a miner goes offline (default: 90)",
    parse: integer(1, 86_400),
  },
  maxInFlightPerMiner: {
    flag: "--max-in-flight",
    env: "PITHEAD_MAX_IN_FLIGHT",
    description: "most jobs one miner may hold at once (default: 64)",
    parse: integer(1, 10_000),
  },
  defaultTtlS: {
    flag: "--default-ttl",
    env: "PITHEAD_DEFAULT_TTL_S",
    description: "default ttl_s of a job: seconds to be started (default: 3600)",
    parse: integer(1, 30 * 86_400),
  },
  defaultMaxRuntimeS: {
    flag: "--default-max-runtime",
    env: "PITHEAD_DEFAULT_MAX_RUNTIME_S",
    description: "default max_runtime_s of a job (default: 600)",
    parse: integer(1, 7 * 86_400),
  },
  defaultMaxAttempts: {
    flag: "--default-max-attempts",
    env: "PITHEAD_DEFAULT_MAX_ATTEMPTS",
    description: "default max_attempts of a job (default: 3)",
    parse: integer(1, 100),
  },
  maxOutputBytes: {
    flag: "--max-output-bytes",
    env: "PITHEAD_MAX_OUTPUT_BYTES",
    description:
      "largest proof output accepted inline, in bytes (default: 8 MiB: a 1024x1024 sd_infer PNG is 1-3 MB; larger is 413 OUTPUT_TOO_LARGE and the miner gives the job back)",
    parse: integer(0, 64 * 1024 * 1024),
  },
  resultRetentionDays: {
    flag: "--result-retention-days",
    env: "PITHEAD_RESULT_RETENTION_DAYS",
    description:
      "days a job's output is kept after the job ends; then the sweeper removes it (its hash, metrics and receipts stay); 0 keeps outputs for ever (default: 30)",
    parse: integer(0, 36_500),
  },
  ledgerArchiveDir: {
    flag: "--ledger-archive-dir",
    env: "PITHEAD_LEDGER_ARCHIVE_DIR",
    description:
      "move ledger records older than --ledger-archive-after-days out of the database into gzip files here (another disk, a NAS mount; about 3 KB per job otherwise stays in the database for ever) (default: off)",
    parse: archiveDirectory,
  },
  ledgerArchiveAfterDays: {
    flag: "--ledger-archive-after-days",
    env: "PITHEAD_LEDGER_ARCHIVE_AFTER_DAYS",
    description: "days ledger records stay in the database before --ledger-archive-dir takes them (default: 30)",
    parse: integer(1, 36_500),
  },
  sweepIntervalMs: {
    flag: "--sweep-interval-ms",
    env: "PITHEAD_SWEEP_INTERVAL_MS",
    description: "how often expired leases, silent miners and overdue jobs are swept (default: 1000)",
    parse: integer(10, 600_000),
  },
  rateLimitPerMinute: {
    flag: "--rate-limit",
    env: "PITHEAD_RATE_LIMIT",
    description: "requests per minute per key; 0 turns it off (default: 6000)",
    parse: integer(0, 10_000_000),
  },
  maxStreamsPerKey: {
    flag: "--max-streams-per-key",
    env: "PITHEAD_MAX_STREAMS_PER_KEY",
    description:
      "event streams and long-polls one key may hold open at once (per coordinator process; more is 429); 0 turns it off (default: 32)",
    parse: integer(0, 1_000_000),
  },
  logLevel: {
    flag: "--log-level",
    env: "PITHEAD_LOG_LEVEL",
    description: "fatal, error, warn, info, debug, trace or silent (default: info)",
    parse: (raw: string, name: string) => {
      if (!logLevels.includes(raw)) throw new ConfigError(name, `must be one of ${logLevels.join(", ")}`);
      return raw;
    },
  },
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof settings;
export type RawSettings = Partial<Record<SettingName, string>>;

export const defaults = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: "./data",
  feeBps: 100,
  leaseTtlS: 120,
  heartbeatTimeoutS: 90,
  maxInFlightPerMiner: 64,
  idempotencyRetentionS: 86_400,
  resultRetentionDays: 30,
  ledgerArchiveAfterDays: 30,
  defaultTtlS: 3_600,
  defaultMaxRuntimeS: 600,
  defaultMaxAttempts: 3,
  maxReplicas: 16,
  // A 1024x1024 PNG (sd_infer's usual size) is 1-2 MB and at most ~3 MiB (RGB, incompressible):
  // the limit must take it with room for RGBA and larger images.
  maxOutputBytes: 8 * 1024 * 1024,
  sweepIntervalMs: 1_000,
  pollIntervalMs: 500,
  rateLimitPerMinute: 6_000,
  maxStreamsPerKey: 32,
  logLevel: "info",
} as const;

export function parseDatabase(raw: string, dataDir: string, name = "--db / PITHEAD_DB"): DatabaseConfig {
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(name, "is not a valid postgres:// URL");
    }
    return { kind: "postgres", url: raw };
  }
  if (raw.includes("://")) throw new ConfigError(name, "must be a SQLite file path or a postgres:// URL");
  return { kind: "sqlite", path: resolve(dataDir, raw) };
}

/**
 * Builds the configuration from flags (already parsed, as strings) and the environment; flags win.
 * Throws ConfigError naming the flag and variable of every bad value. `overrides` (programmatic
 * starts: tests, `pithead up`) win over both; the paths under the data dir (database, keys) follow an
 * overridden `dataDir` unless they are overridden too.
 */
export function loadConfig(
  flags: RawSettings = {},
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<CoordinatorConfig> = {},
): CoordinatorConfig {
  // Every bad value is noted (its default stands in) so that one error lists them all.
  const problems: ConfigError[] = [];
  const noted = <T>(parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      return fallback;
    }
  };
  const read = <T>(name: SettingName, fallback: T): T => {
    const setting = settings[name] as Setting<T>;
    const fromFlag = flags[name];
    if (fromFlag !== undefined) {
      const label = setting.flag ? `${setting.flag} (${setting.env})` : setting.env;
      return noted(() => setting.parse(fromFlag, label), fallback);
    }
    const fromEnv = env[setting.env];
    if (fromEnv !== undefined && fromEnv !== "") return noted(() => setting.parse(fromEnv, setting.env), fallback);
    return fallback;
  };
  const dataDir = resolve(overrides.dataDir ?? read("dataDir", defaults.dataDir));
  const rawDb = read<string | undefined>("db", undefined);
  const sqliteDb = { kind: "sqlite" as const, path: join(dataDir, "coordinator.db") };
  const db = rawDb === undefined ? sqliteDb : noted<DatabaseConfig>(() => parseDatabase(rawDb, dataDir), sqliteDb);
  const heartbeatTimeoutS = read("heartbeatTimeoutS", defaults.heartbeatTimeoutS);
  const loaded: CoordinatorConfig = {
    host: read("host", defaults.host),
    port: read("port", defaults.port),
    dataDir,
    db,
    adminKey: read<string | undefined>("adminKey", undefined),
    feeBps: read("feeBps", defaults.feeBps),
    leaseTtlS: read("leaseTtlS", defaults.leaseTtlS),
    heartbeatTimeoutS,
    maxInFlightPerMiner: read("maxInFlightPerMiner", defaults.maxInFlightPerMiner),
    idempotencyRetentionS: defaults.idempotencyRetentionS,
    resultRetentionDays: read("resultRetentionDays", defaults.resultRetentionDays),
    ledgerArchiveDir: read<string | undefined>("ledgerArchiveDir", undefined),
    ledgerArchiveAfterDays: read("ledgerArchiveAfterDays", defaults.ledgerArchiveAfterDays),
    defaultTtlS: read("defaultTtlS", defaults.defaultTtlS),
    defaultMaxRuntimeS: read("defaultMaxRuntimeS", defaults.defaultMaxRuntimeS),
    defaultMaxAttempts: read("defaultMaxAttempts", defaults.defaultMaxAttempts),
    maxReplicas: defaults.maxReplicas,
    maxOutputBytes: read("maxOutputBytes", defaults.maxOutputBytes),
    sweepIntervalMs: read("sweepIntervalMs", defaults.sweepIntervalMs),
    pollIntervalMs: defaults.pollIntervalMs,
    rateLimitPerMinute: read("rateLimitPerMinute", defaults.rateLimitPerMinute),
    maxStreamsPerKey: read("maxStreamsPerKey", defaults.maxStreamsPerKey),
    logLevel: read("logLevel", defaults.logLevel),
    receiptKeyFile: join(dataDir, "receipt-signing.key"),
    ledgerKeyFile: join(dataDir, "ledger.key"),
    ledgerOrigin: "pithead.local",
  };
  const [first, ...rest] = problems;
  if (first)
    throw new ConfigError(
      first.key,
      first.detail,
      rest.flatMap((problem) => problem.problems),
    );
  return { ...loaded, ...overrides, dataDir };
}
