// @pithead/fleet: the ASIC fleet controller (specs/fleet.md).

export { fleetErrors } from "./api/errors.ts";
export { createFleetServer, type FleetServerOptions, fleetApiVersion } from "./api/fleet-server.ts";
export { type Listening, runningController } from "./api/listening-file.ts";
export { canonicalRequest, fleetAuthHeaders, type SignInput, signatureVersion, signFleetRequest } from "./auth/sign.ts";
export { type AuthFailure, type AuthResult, RequestVerifier } from "./auth/verify.ts";
export {
  CgminerAdapter,
  type CommandResult,
  type ExecuteOutcome,
  type MinerEndpoint,
  type PollFailure,
  type PollOutcome,
} from "./cgminer/adapter.ts";
export { defaultTransport, exchange, type TransportOptions, type TransportResult } from "./cgminer/client.ts";
export {
  type ActionPlan,
  detectFamily,
  type MinerAction,
  planAction,
  pollCommands,
  routinePollCommands,
} from "./cgminer/firmware.ts";
export { type JsonValue, type LenientResult, parseLenientJson } from "./cgminer/lenient-json.ts";
export { type MachineFacts, machineFacts, normalise } from "./cgminer/normalise.ts";
export {
  type JoinedReading,
  type ReadContext,
  type Reading,
  readJoined,
  readSeparate,
  type SingleExchange,
} from "./cgminer/poll-reading.ts";
export {
  type CommandReply,
  type CommandStatus,
  describeStatus,
  readCommandReply,
  readJoinedReply,
} from "./cgminer/reply.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { DotenvFileError, environmentWithDotenv, parseDotenv } from "./config/dotenv.ts";
export { ConfigError } from "./config/env-reader.ts";
export { type FleetConfig, type LedgerConfig, loadFleetConfig, loadPolicy } from "./config/load-config.ts";
export { minerHostProblem } from "./config/miner-address.ts";
export type { OperatorConfig } from "./config/types.ts";
export {
  type CycleOutcome,
  type Dispatch,
  decideCycle,
  decisionIdFor,
  executionVerdict,
  type Observations,
  type Planned,
  type Ref,
} from "./core/decide.ts";
export { type Divergence, marketDivergences, minerDivergences } from "./core/divergence.ts";
export {
  applyReceipt,
  applyTelemetry,
  emptyMemory,
  emptyState,
  type FleetState,
  foldRecord,
  type MinerMemory,
  stoppedMinerBodies,
  thermalLatch,
} from "./core/memory.ts";
export { marketBounds, maxMinerPowerW, maxMinerThs } from "./core/physical-bounds.ts";
export { defaultPolicy, type Mode, minPollIntervalMs, type Policy, policyProblems, type Site } from "./core/policy.ts";
export { probeDivergences } from "./core/probe-checks.ts";
export { blockSubsidySat, computeProfit, type Economics, microUsd, type Profit } from "./core/profit.ts";
export * from "./core/records.ts";
export { decisionRulesVersion, rulesOf } from "./core/rules-version.ts";
export { type FleetService, type OpenFleet, openFleet, type StartOptions, startFleetService } from "./fleet-service.ts";
export { MarketCache, type MarketCacheOptions, type MarketSnapshot } from "./market/market-cache.ts";
export {
  coinGeckoPrice,
  defaultFixedMarket,
  type FixedMarket,
  fixedSource,
  mempoolNetwork,
  mempoolPrice,
  type NetworkQuote,
  type NetworkSource,
  type PriceQuote,
  type PriceSource,
} from "./market/sources.ts";
export { type FirmwareFamily, findModel, type ModelSpec, modelById, models } from "./models.ts";
export { claimLedger, FleetLedgerInUseError, ledgerLocation } from "./orchestrator/claim-ledger.ts";
export { type HistoryPoint, MinerHistory } from "./orchestrator/history.ts";
export { NewerRulesError } from "./orchestrator/newer-rules.ts";
export {
  type CycleReport,
  IdempotencyKeyReusedError,
  type ManualResult,
  OperatorController,
  UnknownMinerError,
} from "./orchestrator/operator-controller.ts";
export { partitionFor, type Recorder, type StoredRecordLike } from "./orchestrator/recorder.ts";
export { checkedNothing, type ReplayDifference, type ReplayReport, replayPartition } from "./orchestrator/replay.ts";
export { formatCycle, formatReplay, formatTelemetry } from "./report/format.ts";
export { describeEndpoints } from "./simulator/endpoint-summary.ts";
export { type Fault, type FaultKind, parseFault } from "./simulator/faults.ts";
export {
  type Addressing,
  FleetSimulator,
  loopbackAddress,
  type SimulatedEndpoint,
  type SimulatorOptions,
} from "./simulator/fleet-simulator.ts";
export { SimulatedMiner, type SimulatedMinerOptions } from "./simulator/simulated-miner.ts";
export type { BoardTelemetry, PoolTelemetry, Telemetry } from "./telemetry.ts";
