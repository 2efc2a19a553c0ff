// @pithead/coordinator: the job marketplace server (Coordinator API v1).
export {
  adminKeyFrom,
  CoordinatorApiError,
  CoordinatorClient,
  coordinatorUrl,
  type RequestOptions,
  readEventStream,
} from "./client.ts";
export {
  ConfigError,
  type CoordinatorConfig,
  type DatabaseConfig,
  defaults as configDefaults,
  loadConfig,
  type RawSettings,
  settings as configSettings,
} from "./config.ts";
export { defaultWorkloads } from "./core/matching.ts";
export type { JobState } from "./core/model.ts";
export { proofMessage, verifyProofSignature } from "./core/proof-signature.ts";
export { keyIdOf, type Receipt, type SignedReceipt, verifyReceipt } from "./core/receipt.ts";
export { REPUTATION_MAX, REPUTATION_MIN, REPUTATION_START } from "./core/reputation.ts";
export { checkWorkloadParams, type ParamsProblem } from "./core/workload-params.ts";
export { errors as coordinatorErrors } from "./errors.ts";
export type {
  BalanceResponse,
  ClaimRequest,
  ClaimResponse,
  FailRequest,
  FailResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  JobResult,
  JobView,
  LeasedJob,
  MinerCapabilities,
  ProofBatchRequest,
  ProofBatchResponse,
  ProofRequest,
  ProofResponse,
  SubmitJobRequest,
} from "./schemas/index.ts";
export * as schemas from "./schemas/index.ts";
export type { CoordinatorService } from "./service/coordinator.ts";
export { type RunningCoordinator, type StartOptions, startCoordinator } from "./start.ts";
export { openStore } from "./store/open.ts";
export { migratePostgresStore } from "./store/postgres/store.ts";
export type { AuditReport, CoordinatorStore, JobEvent, StoreReads } from "./store/types.ts";
