// @pithead/llm — LLM providers (embedded GGUF through node-llama-cpp, OpenAI-compatible HTTP)
// behind one interface, the tiny deterministic GGUF model writer, GGUF header checks, and
// nvidia-smi helpers for GPU discovery and energy.
//
//   const llm = await createProvider({ provider: "local" });         // tiny model, offline
//   const { text } = await llm.generate({ prompt: "abc", maxTokens: 4 });   // "defg"
//   for await (const e of llm.stream({ messages: [{ role: "user", content: "hi" }] })) …

export { createProvider, type ProviderConfig, validateConfig } from "./create-provider.ts";
export { isLlmError, LlmError, type LlmErrorCode, type LlmErrorDetails, suggestedHttpStatus } from "./errors.ts";
export { GGUF_MAGIC, GGUF_VERSION, ggmlTypeName } from "./gguf/gguf-format.ts";
export {
  type ByteSource,
  GgufFormatError,
  type GgufHeader,
  type GgufMetadataValue,
  type GgufTensorInfo,
  metadataNumber,
  metadataString,
  parseGgufHeader,
  readGgufHeader,
} from "./gguf/gguf-reader.ts";
export { encodeGguf, type GgufWriteTensor, type GgufWriteValue } from "./gguf/gguf-writer.ts";
export {
  detectGpus,
  type GpuEnergyReport,
  type GpuPowerSampler,
  type SampleGpuPowerOptions,
  sampleGpuPower,
} from "./gpu/nvidia-smi.ts";
export {
  type GpuInfo,
  type GpuReading,
  groupReadings,
  integrateEnergy,
  type PowerSample,
  parseGpuList,
  parsePowerLine,
} from "./gpu/nvidia-smi-parse.ts";
export {
  DEFAULT_PARALLEL,
  type EmbeddedModel,
  type EmbeddedModelOptions,
  loadEmbeddedModel,
} from "./local/embedded-model.ts";
export { type GpuMode, type LlamaLogger, setLlamaLogger } from "./local/llama-runtime.ts";
export {
  createLocalProvider,
  DEFAULT_MAX_QUEUE,
  type LocalProviderOptions,
  NODE_LLAMA_GENERATION_DEFAULTS,
} from "./local/local-provider.ts";
export { checkModelFits, type MemoryState } from "./local/memory-check.ts";
export {
  createOpenAiProvider,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES,
  type OpenAiProviderOptions,
} from "./openai/openai-provider.ts";
export { pastedEndpoint } from "./openai/pasted-endpoint.ts";
export { validateRequest } from "./request-validation.ts";
export { tinyModelContinuation, tinySuccessor } from "./tiny-model/successor.ts";
export {
  defaultModelPath,
  encodeTinyModel,
  ensureTinyModel,
  TINY_CONTEXT_LENGTH,
  TINY_MODEL_FILE,
  TINY_MODEL_VERSION,
  writeTinyModel,
} from "./tiny-model/tiny-model.ts";
export { TINY_VOCAB_SIZE, TinyToken } from "./tiny-model/vocab.ts";
export type {
  ChatMessage,
  ChatRequest,
  ChatRole,
  CompletionRequest,
  FinishReason,
  GenerateOptions,
  GenerateProgress,
  GenerateRequest,
  GenerateResult,
  GenerateTiming,
  LlmProvider,
  ProviderInfo,
  ProviderKind,
  StreamEvent,
} from "./types.ts";
