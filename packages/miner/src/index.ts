// @pithead/miner — the compute miner daemon: config from the seed's miner.conf, environment and
// flags; heartbeat with capabilities, long-poll for jobs, MAX_CONCURRENCY slots, backoff with
// jitter, graceful stop; workloads as plugins (llm_gen, torch_bench, sd_infer); signed proofs
// kept in WORK_DIR until the coordinator acknowledges them. The operator's guide, every setting
// with its default included, is README.md beside src/.
//
//   const config = loadMinerConfig({ file: "/etc/pithead/miner.conf" });
//   const running = await startMiner(config);
//   process.once("SIGTERM", () => running.stop());

export { apiKeyOrigin } from "./config/api-key-origin.ts";
export { CONFIG_KEYS, type ConfigKey, type ConfigKeyDef } from "./config/config-keys.ts";
export { type EnvFileEntry, EnvFileError, parseEnvFile } from "./config/env-file.ts";
export { ExpandError, expandValue } from "./config/expand.ts";
export {
  type AccelMode,
  type ConfigSource,
  type LoadMinerConfigOptions,
  loadMinerConfig,
  type MinerConfig,
  MinerConfigError,
  redactConfig,
} from "./config/load-config.ts";
export { isPlaceholderApiKey, placeholderApiKeyText } from "./config/placeholder-api-key.ts";
export { type AnswerVerdict, type CoordinatorAnswer, judgeAnswer, type OutboxKind } from "./core/answer.ts";
export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from "./core/backoff.ts";
export { proofMessage, sha256Hex } from "./core/proof.ts";
export { type Clock, systemClock } from "./daemon/clock.ts";
export { createLogger, type Logger, memoryLogger } from "./daemon/logger.ts";
export { Miner, type MinerStatus } from "./daemon/miner.ts";
export { MinerStartError, type RunningMiner, type StartMinerOptions, startMiner } from "./daemon/start-miner.ts";
export { type DoctorReport, minerDoctor } from "./doctor.ts";
export { loadOrCreateMinerKey, type MinerKey } from "./identity/miner-key.ts";
export {
  CoordinatorClient,
  CoordinatorError,
  type LeasedJob,
  type MinerCapabilities,
} from "./net/coordinator-client.ts";
export { type OutboxEntry, ResultStore } from "./store/result-store.ts";
export { WORK_DIR_LOCK, WorkDirInUseError } from "./store/work-dir-lock.ts";
export { llmRequest } from "./workloads/llm-gen.ts";
export { KNOWN_WORKLOADS } from "./workloads/registry.ts";
export { txt2imgBody } from "./workloads/sd-infer.ts";
export { torchBenchParams } from "./workloads/torch-bench.ts";
export {
  type Availability,
  type Workload,
  type WorkloadContext,
  WorkloadError,
  type WorkloadResult,
} from "./workloads/workload.ts";
