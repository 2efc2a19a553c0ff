// GET / (what this server is, public) and GET /capabilities (answers with or without a key: the
// registration portal calls it).

import type { HttpServer } from "@pithead/http";
import { COMPONENT_NAMES } from "../components/types.ts";
import type { AgentDeps } from "./deps.ts";

export function capabilities(deps: AgentDeps) {
  const { config } = deps;
  const info = deps.model.info();
  return {
    miner_name: config.minerName,
    llm_provider: config.llm.provider,
    model: info.model,
    conversation_history_enabled: true,
    max_conversation_messages: config.maxConversationMessages,
    message_retention_days: config.retentionDays,
    components: [...COMPONENT_NAMES],
    features: {
      unified_component_interface: true,
      conversation_history: true,
      auto_message_cleanup: true,
      // The reference's flag meant "search is a stub"; it is only true here when no backend is set.
      internet_search_template: deps.search === undefined,
      internet_search: deps.search !== undefined,
      llm_summary: true,
      majority_voting: true,
      playbook_system: true,
      privacy_friendly: true,
      multi_provider_support: true,
      quantized_model_friendly: true,
    },
  };
}

export function registerSystemRoutes(app: HttpServer, deps: AgentDeps): void {
  app.get("/", { config: { public: true }, schema: { hide: true } }, async () => ({
    name: "Pithead agent miner API",
    miner_name: deps.config.minerName,
    version: deps.version,
    status: "running",
    architecture: "Unified component interface with conversation history and playbook",
    endpoints: Object.fromEntries(COMPONENT_NAMES.map((name) => [name, `POST /${name}`])),
    conversation_management: {
      list_conversations: "GET /conversations",
      get_conversation: "GET /conversations/{cid}",
      delete_conversation: "DELETE /conversations/{cid}",
    },
    playbook_endpoints: { get_playbook: "GET /playbook/{cid}", get_playbook_context: "GET /playbook/{cid}/context" },
    links: {
      docs: "/docs",
      openapi: "/openapi.json",
      ui: "/ui",
      health: "/health",
      capabilities: "/capabilities",
      metrics: "/metrics",
    },
    auth: "X-API-Key header on every endpoint except /, /health, /capabilities, /docs, /openapi.json and /ui",
  }));

  app.get(
    "/capabilities",
    {
      config: { optionalAuth: true },
      schema: { summary: "Miner capabilities (key optional)", tags: ["system"], security: [] },
    },
    async () => capabilities(deps),
  );
}
