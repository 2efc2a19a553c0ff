// The agent's HTTP server: @pithead/http's Fastify kit with the reference's wire conventions
// (FastAPI error bodies, X-API-Key), a 10 MB body limit, per-endpoint rate limits, the seven
// components, conversations, playbook, /, /health, /capabilities, /docs, /metrics and /ui.

import { createHttpServer, type HttpServer, type HttpServerOptions } from "@pithead/http";
import { installApiKeyAuth } from "./auth.ts";
import { registerComponentRoutes } from "./component-routes.ts";
import { registerConversationRoutes } from "./conversation-routes.ts";
import { installCors } from "./cors.ts";
import type { AgentDeps } from "./deps.ts";
import { agentErrors, formatAgentError } from "./errors.ts";
import { installFastApiBodies } from "./fastapi-body.ts";
import { collectRoutesForMethodNotAllowed } from "./method-not-allowed.ts";
import { registerPlaybookRoutes } from "./playbook-routes.ts";
import { installRateLimits } from "./rate-limits.ts";
import { registerSystemRoutes } from "./system-routes.ts";
import { registerUiRoutes } from "./ui-routes.ts";

/** The reference refused bodies over 10 MB (10 × 1024 × 1024 bytes). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function buildAgentServer(deps: AgentDeps, logger?: HttpServerOptions["logger"]): Promise<HttpServer> {
  const app = await createHttpServer({
    name: "pithead-agent",
    version: deps.version,
    errors: agentErrors,
    formatError: formatAgentError,
    bodyLimit: MAX_BODY_BYTES,
    logger: logger ?? { level: deps.config.logLevel },
    trustProxy: deps.config.trustProxy,
    docs: {
      title: "Pithead agent miner API",
      description:
        "The Subnet-80 agent miner interface: seven components with ComponentInput/ComponentOutput, conversation history and a playbook. Send the API key in the X-API-Key header.",
      securitySchemes: { APIKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" } },
    },
    metrics: { public: false },
    health: async () => ({
      status: "healthy",
      llm_provider: deps.config.llm.provider,
      model: deps.model.info().model,
      active_conversations: await deps.store.countConversations(),
      features: { unified_api: true, conversation_history: true, playbook_system: true },
    }),
  });
  const refuseOtherMethods = collectRoutesForMethodNotAllowed(app);
  installFastApiBodies(app);
  installApiKeyAuth(app, deps.config.apiKey, { failureLimit: deps.config.authFailureLimit });
  installCors(app);
  await installRateLimits(app);
  registerSystemRoutes(app, deps);
  registerComponentRoutes(app, deps);
  registerConversationRoutes(app, deps);
  registerPlaybookRoutes(app, deps);
  registerUiRoutes(app, deps.config.uiFrameAncestors);
  refuseOtherMethods();
  return app;
}
