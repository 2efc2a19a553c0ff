// Every setting the miner reads, once: its key (in the config file and the environment), its
// command-line flag, its default and what it means. `pithead miner start --help` and the
// installer's example config are written from the same descriptions.

export interface ConfigKeyDef {
  key: string;
  flag: string;
  /** Shown in --help and the example config. */
  description: string;
  /** As written in a config file; undefined = not set unless given. */
  fallback?: string;
  /** Never logged or printed; taken literally (no $(hostname) expansion). */
  secret?: boolean;
}

const keys = [
  { key: "COORD_URL", flag: "--coord-url", description: "Coordinator base URL (http or https)" },
  { key: "WALLET_ADDR", flag: "--wallet-addr", description: "Payout wallet address" },
  { key: "API_KEY", flag: "--api-key", description: "Miner API key issued by the coordinator", secret: true },
  {
    key: "MINER_ID",
    flag: "--miner-id",
    description: "Stable miner label; $(hostname) is expanded",
    fallback: "$(hostname)",
  },
  {
    key: "WORK_DIR",
    flag: "--work-dir",
    description: "Job scratch space, results outbox and the miner key",
    fallback: "./data/miner",
  },
  { key: "HEARTBEAT_SECS", flag: "--heartbeat-secs", description: "Seconds between heartbeats", fallback: "20" },
  {
    key: "JOB_POLL_SECS",
    flag: "--job-poll-secs",
    description: "Least seconds between two polls for work when none comes",
    fallback: "3",
  },
  {
    key: "POLL_WAIT_SECS",
    flag: "--poll-wait-secs",
    description: "Long-poll: how long the coordinator may hold a poll open (0-60)",
    fallback: "25",
  },
  {
    key: "MAX_CONCURRENCY",
    flag: "--max-concurrency",
    description: "Jobs run at the same time (slots)",
    fallback: "1",
  },
  {
    key: "CLAIM_AHEAD_MS",
    flag: "--claim-ahead-ms",
    description:
      "Claim a slot's next job this long before its running job ends, when the workload can tell (llm_gen on a local model); 0 = only once it ended",
    fallback: "50",
  },
  {
    key: "ACCEL_MODE",
    flag: "--accel-mode",
    description: "auto (GPU when nvidia-smi answers), gpu or cpu",
    fallback: "auto",
  },
  {
    key: "WORKLOADS",
    flag: "--workloads",
    description: "Comma-separated workloads to offer (default: every one this machine can run)",
  },
  {
    key: "MAX_RUNTIME_S",
    flag: "--max-runtime-s",
    description: "Longest job this miner accepts, in seconds (advertised to the coordinator)",
    fallback: "3600",
  },
  {
    key: "SHUTDOWN_GRACE_SECS",
    flag: "--shutdown-grace-secs",
    description: "On SIGTERM, how long running jobs may finish before they are given back",
    fallback: "30",
  },
  {
    key: "RESULT_RETENTION_DAYS",
    flag: "--result-retention-days",
    description:
      "Days a settled (delivered or refused) result stays in WORK_DIR for the operator before the running miner removes it; a result not yet delivered is never removed",
    fallback: "7",
  },
  { key: "KEY_FILE", flag: "--key-file", description: "Ed25519 proof-signing key (created, mode 600, if missing)" },
  { key: "REGION", flag: "--region", description: "Region label advertised to the coordinator" },
  {
    key: "LLM_PROVIDER",
    flag: "--llm-provider",
    description: "llm_gen backend: local (GGUF in-process), openai or vllm",
    fallback: "local",
  },
  {
    key: "LLM_MODEL",
    flag: "--llm-model",
    description: "local: path of the .gguf model (default: the tiny test model); openai/vllm: the model id",
  },
  {
    key: "LLM_BASE_URL",
    flag: "--llm-base-url",
    description: "openai/vllm: API base URL, e.g. http://127.0.0.1:8000/v1",
  },
  { key: "LLM_API_KEY", flag: "--llm-api-key", description: "openai/vllm: API key", secret: true },
  { key: "LLM_CONTEXT_SIZE", flag: "--llm-context-size", description: "local: tokens per request (prompt + output)" },
  {
    key: "TORCH_PYTHON",
    flag: "--torch-python",
    description: "torch_bench: the Python with PyTorch",
    fallback: "python3",
  },
  {
    key: "SD_URL",
    flag: "--sd-url",
    description: "sd_infer: AUTOMATIC1111-compatible API base URL (unset: sd_infer off)",
  },
  { key: "LOG_LEVEL", flag: "--log-level", description: "debug, info, warn or error", fallback: "info" },
  {
    key: "FAULT_CORRUPT_OUTPUT",
    flag: "--fault-corrupt-output",
    description: "TEST ONLY: 1 makes this miner prove a wrong output (replication tests); never in production",
    fallback: "0",
  },
] as const satisfies readonly ConfigKeyDef[];

export type ConfigKey = (typeof keys)[number]["key"];
export const CONFIG_KEYS: readonly ConfigKeyDef[] = keys;
export const CONFIG_KEY_NAMES: ReadonlySet<string> = new Set(keys.map((def) => def.key));

export function keyDef(key: ConfigKey): ConfigKeyDef {
  return CONFIG_KEYS.find((def) => def.key === key) as ConfigKeyDef;
}
