// The agent's HTTP server: @pithead/http's Fastify kit with the reference's wire conventions
// (FastAPI error bodies, X-API-Key), a 10 MB body limit, per-endpoint rate limits, the seven
// components, conversations, playbook, /, /health, /capabilities, /docs, /metrics and /ui.

import { createHttpServer, type HttpServer, type HttpServerOptions } from "@pithead/http";
import { historyRoomWarning } from "../components/fit-history.ts";
import { createBackendHealth } from "../llm/backend-health.ts";
import { installAnnouncedSizeLimit } from "./announced-size.ts";
import { installApiKeyAuth } from "./auth.ts";
import { registerComponentRoutes } from "./component-routes.ts";
import { registerConversationRoutes } from "./conversation-routes.ts";
import { installCors } from "./cors.ts";
import type { AgentDeps } from "./deps.ts";
import { agentErrorFormatter, agentErrors } from "./errors.ts";
import { installFastApiBodies } from "./fastapi-body.ts";
import { registerPlaybookRoutes } from "./playbook-routes.ts";
import { installRateLimits } from "./rate-limits.ts";
import { registerSystemRoutes } from "./system-routes.ts";
import { registerUiRoutes } from "./ui-routes.ts";

/** The reference refused bodies over 10 MB (10 × 1024 × 1024 bytes). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function buildAgentServer(given: AgentDeps, logger?: HttpServerOptions["logger"]): Promise<HttpServer> {
  // The routes call the model through the health tracker, which /health reads.
  let app: HttpServer | undefined;
  const backend = createBackendHealth(given.model, {
    now: given.now,
    // /health shows a generic detail; the operator's log says what the provider said.
    onFailure: ({ detail, cause, source }) => app?.log.warn({ detail, cause, source }, "the LLM backend is failing"),
  });
  const deps: AgentDeps = { ...given, model: backend.model };
  app = await createHttpServer({
    name: "pithead-agent",
    version: deps.version,
    errors: agentErrors,
    formatError: agentErrorFormatter(deps.config.requestTimeoutMs),
    bodyLimit: MAX_BODY_BYTES,
    // A body that stops arriving is answered at the request deadline too (the reference's timeout
    // covered reading it), instead of holding its connection open.
    requestTimeoutMs: deps.config.requestTimeoutMs,
    logger: logger ?? { level: deps.config.logLevel },
    trustProxy: deps.config.trustProxy,
    // A lone surrogate would become U+FFFD in storage, so "sur\ud800" and "sur\udfff" would share a
    // conversation: such a body is a 422 naming the field.
    wellFormedStrings: true,
    docs: {
      title: "Pithead agent miner API",
      description:
        "The Subnet-80 agent miner interface: seven components with ComponentInput/ComponentOutput, conversation history and a playbook. Send the API key in the X-API-Key header.",
      securitySchemes: { APIKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" } },
    },
    metrics: { public: false },
    health: async () => {
      const llm = await backend.report();
      return {
        // The reference's fields; "unhealthy" when the model backend fails (down, key refused…).
        status: llm.status === "failing" ? "unhealthy" : "healthy",
        llm_provider: deps.config.llm.provider,
        model: deps.model.info().model,
        active_conversations: await deps.store.countConversations(),
        features: { unified_api: true, conversation_history: true, playbook_system: true },
        llm: { ...llm, context_size: deps.model.info().contextSize ?? null },
      };
    },
  });
  installFastApiBodies(app);
  installAnnouncedSizeLimit(app, MAX_BODY_BYTES);
  installApiKeyAuth(app, deps.config.apiKey, { failureLimit: deps.config.authFailureLimit });
  installCors(app);
  await installRateLimits(app);
  registerSystemRoutes(app, deps);
  registerComponentRoutes(app, deps);
  registerConversationRoutes(app, deps);
  registerPlaybookRoutes(app, deps);
  registerUiRoutes(app, deps.config.uiFrameAncestors);
  // At once: an HTTP server's context window is known before the first request (vLLM reports it),
  // and a backend that cannot serve (down, key refused, model not served) is in the log at start.
  const started = app;
  void backend.check().then(() => {
    const info = deps.model.info();
    const warning = historyRoomWarning(info.contextSize, deps.config.maxTokens, info.provider);
    if (warning) started.log.warn(warning);
  });
  return app;
}
