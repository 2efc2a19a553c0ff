// The configured provider from @pithead/llm: the embedded GGUF model (the tiny deterministic one
// when LOCAL_MODEL_PATH is not set), or an OpenAI-compatible server (OpenAI, vLLM).

import { createProvider, type LlmProvider } from "@pithead/llm";
import type { AgentConfig } from "../config/load-config.ts";

export async function openModel(config: AgentConfig): Promise<LlmProvider> {
  const { llm } = config;
  if (llm.provider === "local") {
    return createProvider({
      provider: "local",
      modelPath: llm.modelPath,
      dataDir: config.dataDir,
      gpu: llm.gpu,
      parallel: llm.parallel,
      contextSize: llm.contextSize,
    });
  }
  return createProvider({
    provider: llm.provider,
    baseUrl: llm.baseUrl,
    apiKey: llm.apiKey,
    model: llm.model,
    timeoutMs: config.requestTimeoutMs,
    maxRetries: llm.maxRetries,
    contextSize: llm.contextSize,
  });
}
