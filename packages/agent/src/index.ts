// @pithead/agent — the agent miner API (Subnet-80 interface): seven components over an LLM,
// conversation history and playbook in SQLite or PostgreSQL, the test console at /ui, and the
// registration credentials (sr25519 signatures from a Bittensor coldkey).
//
//   const agent = await startAgent(loadAgentConfig(process.env));   // → { url, app, close() }

export { buildAgentServer, MAX_BODY_BYTES } from "./api/server.ts";
export {
  aggregatePrompt,
  type ChatMessage,
  chatMessages,
  completePrompt,
  feedbackPrompt,
  formatQueries,
  type Prompt,
  refinePrompt,
  summaryPrompt,
} from "./components/prompt-builders.ts";
export { TEMPERATURES } from "./components/prompts.ts";
export { runComponent } from "./components/run-component.ts";
export {
  COMPONENT_NAMES,
  type ComponentInput,
  type ComponentName,
  type ComponentOutput,
  type HistoryMessage,
  NO_UPDATE,
} from "./components/types.ts";
export * from "./config/index.ts";
export * from "./credentials/index.ts";
export type { ChatModel, ChatRequest, ChatResult } from "./llm/chat-model.ts";
export { openModel } from "./llm/open-model.ts";
export { AGENT_VERSION, type RunningAgent, type StartAgentOptions, startAgent } from "./start-agent.ts";
export { type DatabaseLocation, parseDatabaseUrl } from "./store/database-url.ts";
export { openStore } from "./store/open-store.ts";
export type { AgentStore, StoreLimits } from "./store/store.ts";
