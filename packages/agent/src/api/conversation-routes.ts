// GET /conversations, GET and DELETE /conversations/{cid}. Fixes over the reference: reading a
// conversation never creates it (unknown → 404), counts and times are the live ones, and
// deleting a conversation deletes its playbook too.

import type { HttpServer } from "@pithead/http";
import { withDeadline } from "./deadline.ts";
import type { AgentDeps } from "./deps.ts";
import { agentErrors } from "./errors.ts";
import { routeRateLimit } from "./rate-limits.ts";
import {
  CidParamsSchema,
  ConversationDetailSchema,
  ConversationListSchema,
  DeletedSchema,
  DetailErrorSchema,
  RateLimitErrorSchema,
} from "./schemas.ts";

const LIST_LIMIT = 100;

const notFound = (cid: string) =>
  agentErrors.error("CONVERSATION_NOT_FOUND", undefined, `Conversation ${cid} not found`);

export function registerConversationRoutes(app: HttpServer, deps: AgentDeps): void {
  const config = { rateLimit: routeRateLimit(deps.config.rateLimits, "conversations") };
  const errors = { 429: RateLimitErrorSchema, "4xx": DetailErrorSchema };
  const limits = { timeoutMs: deps.config.requestTimeoutMs, cutoff: deps.cutoff };

  app.get(
    "/conversations",
    {
      schema: {
        summary: "List conversations, most recent first (at most 100)",
        tags: ["conversations"],
        response: { 200: ConversationListSchema, ...errors },
      },
      config,
    },
    async (request, reply) =>
      withDeadline(request, reply, limits, async () => {
        const [total, conversations] = await Promise.all([
          deps.store.countConversations(),
          deps.store.listConversations(LIST_LIMIT, deps.now()),
        ]);
        return { total_conversations: total, conversations };
      }),
  );

  app.get(
    "/conversations/:cid",
    {
      schema: {
        summary: "A conversation's stored messages",
        tags: ["conversations"],
        params: CidParamsSchema,
        response: { 200: ConversationDetailSchema, ...errors },
      },
      config,
    },
    async (request, reply) =>
      withDeadline(request, reply, limits, async () => {
        const conversation = await deps.store.conversation(request.params.cid, deps.now());
        if (!conversation) throw notFound(request.params.cid);
        return conversation;
      }),
  );

  app.delete(
    "/conversations/:cid",
    {
      schema: {
        summary: "Delete a conversation, its history and its playbook",
        tags: ["conversations"],
        params: CidParamsSchema,
        response: { 200: DeletedSchema, ...errors },
      },
      config,
    },
    async (request, reply) =>
      withDeadline(request, reply, limits, async () => {
        const { cid } = request.params;
        if (!(await deps.store.deleteConversation(cid))) throw notFound(cid);
        request.log.info({ cid }, "conversation deleted");
        return { success: true, message: `Conversation ${cid} deleted successfully`, cid };
      }),
  );
}
