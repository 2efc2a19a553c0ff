// GET /playbook/{cid} and /playbook/{cid}/context.

import type { HttpServer } from "@pithead/http";
import { formatPlaybookContext, NO_PLAYBOOK_ENTRIES } from "../playbook/format-context.ts";
import { withDeadline } from "./deadline.ts";
import type { AgentDeps } from "./deps.ts";
import { routeRateLimit } from "./rate-limits.ts";
import {
  CidParamsSchema,
  DetailErrorSchema,
  PlaybookContextSchema,
  PlaybookSchema,
  RateLimitErrorSchema,
} from "./schemas.ts";

export function registerPlaybookRoutes(app: HttpServer, deps: AgentDeps): void {
  const config = { rateLimit: routeRateLimit(deps.config.rateLimits, "playbook") };
  const errors = { 429: RateLimitErrorSchema, "4xx": DetailErrorSchema };
  const limits = { timeoutMs: deps.config.requestTimeoutMs, cutoff: deps.cutoff };

  app.get(
    "/playbook/:cid",
    {
      schema: {
        summary: "A conversation's active playbook entries",
        tags: ["playbook"],
        params: CidParamsSchema,
        response: { 200: PlaybookSchema, ...errors },
      },
      config,
    },
    async (request, reply) =>
      withDeadline(request, reply, limits, async () => {
        const entries = await deps.store.activePlaybook(request.params.cid);
        return { cid: request.params.cid, entry_count: entries.length, entries };
      }),
  );

  app.get(
    "/playbook/:cid/context",
    {
      schema: {
        summary: "The playbook as the model sees it",
        tags: ["playbook"],
        params: CidParamsSchema,
        response: { 200: PlaybookContextSchema, ...errors },
      },
      config,
    },
    async (request, reply) =>
      withDeadline(request, reply, limits, async () => {
        const entries = await deps.store.activePlaybook(request.params.cid);
        return {
          cid: request.params.cid,
          entry_count: entries.length,
          formatted_context: entries.length > 0 ? formatPlaybookContext(entries) : NO_PLAYBOOK_ENTRIES,
          entries,
        };
      }),
  );
}
