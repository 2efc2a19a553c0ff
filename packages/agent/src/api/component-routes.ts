// POST /complete, /refine, /feedback, /human_feedback, /internet_search, /summary, /aggregate.

import { HttpError, type HttpServer } from "@pithead/http";
import { runComponent } from "../components/run-component.ts";
import { COMPONENT_NAMES, type ComponentInput, type ComponentName } from "../components/types.ts";
import { withDeadline } from "./deadline.ts";
import type { AgentDeps } from "./deps.ts";
import { coerceLaxBooleans } from "./lax-booleans.ts";
import { routeRateLimit } from "./rate-limits.ts";
import { ComponentInputSchema, ComponentOutputSchema, DetailErrorSchema, RateLimitErrorSchema } from "./schemas.ts";
import { toUpstreamError } from "./upstream-errors.ts";

const SUMMARIES: Record<ComponentName, string> = {
  complete: "Complete a task, with the conversation's history and playbook",
  refine: "Refine and improve previous outputs",
  feedback: "Strengths, weaknesses and suggestions for previous outputs",
  human_feedback: "Extract playbook insights from the user's feedback and apply them",
  internet_search: "Search the web for the queries (SearXNG backend)",
  summary: "Summarise previous outputs",
  aggregate: "Majority vote over previous outputs, with minority views",
};

/** ComponentInput's bool fields, read as pydantic's lax mode reads them (lax-booleans.ts). */
const LAX_BOOLEANS = ["use_conversation_history", "use_playbook"] as const;

/** The model gets a little longer than the request, so the request deadline is what fires first. */
const PROVIDER_GRACE_MS = 1000;

export function registerComponentRoutes(app: HttpServer, deps: AgentDeps): void {
  const limits = { timeoutMs: deps.config.requestTimeoutMs, cutoff: deps.cutoff };
  for (const name of COMPONENT_NAMES) {
    app.post(
      `/${name}`,
      {
        schema: {
          summary: SUMMARIES[name],
          tags: ["components"],
          body: ComponentInputSchema,
          response: {
            200: ComponentOutputSchema,
            429: RateLimitErrorSchema,
            "4xx": DetailErrorSchema,
            "5xx": DetailErrorSchema,
          },
        },
        config: { rateLimit: routeRateLimit(deps.config.rateLimits, name) },
        preValidation: async (request) => coerceLaxBooleans(request.body, LAX_BOOLEANS),
      },
      async (request, reply) => {
        // Defaults are filled in by validation (useDefaults), so the optional fields are present.
        const input = request.body as ComponentInput;
        try {
          return await withDeadline(request, reply, limits, (deadline) =>
            runComponent(name, input, {
              model: deps.model,
              store: deps.store,
              search: deps.search,
              historyCount: deps.config.smartHistoryCount,
              maxTokens: deps.config.maxTokens,
              now: deps.now,
              signal: deadline.signal,
              timeLeftMs: () => deadline.timeLeftMs() + PROVIDER_GRACE_MS,
              log: request.log,
            }),
          );
        } catch (error) {
          const mapped = toUpstreamError(error);
          if (mapped && !(error instanceof HttpError) && mapped.status !== 504)
            // The answer's detail is generic (llm/llm-errors.ts): the log gets the provider's own words.
            request.log.warn(
              {
                component: name,
                detail: mapped.message,
                cause: error instanceof Error ? error.message : String(error),
              },
              "upstream failure",
            );
          throw mapped ?? error;
        }
      },
    );
  }
}
