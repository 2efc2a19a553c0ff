// Request and response schemas of the wire contract (specs/agent-api.md), as the reference's
// pydantic models: the limits are the orchestrator's, so they are not ours to change.

import { Type } from "typebox";

// Non-blank: the reference rejects whitespace-only queries with a value error.
const UserQuery = Type.String({
  minLength: 1,
  maxLength: 10_000,
  pattern: "\\S",
  description: "User's query or question (max 10k chars, not whitespace only)",
});

export const InputItemSchema = Type.Object({ user_query: UserQuery });

export const OutputDataSchema = Type.Object({
  immediate_response: Type.String({ maxLength: 50_000, description: "Direct answer or explanation (max 50k chars)" }),
  notebook: Type.String({
    maxLength: 100_000,
    description: "Updated notebook/code/document, or 'no update' (max 100k chars)",
  }),
});

export const PreviousOutputSchema = Type.Object({
  task: Type.String({ maxLength: 1000 }),
  input: Type.Array(InputItemSchema, { maxItems: 50 }),
  output: OutputDataSchema,
  component: Type.String({ maxLength: 50 }),
});

export const ComponentInputSchema = Type.Object(
  {
    cid: Type.String({ maxLength: 100, description: "Conversation ID (max 100 chars)" }),
    task: Type.String({ maxLength: 1000, description: "Task description (max 1000 chars)" }),
    input: Type.Array(InputItemSchema, { minItems: 1, maxItems: 50, description: "User queries (1-50 items)" }),
    previous_outputs: Type.Optional(
      Type.Array(PreviousOutputSchema, { maxItems: 20, default: [], description: "Outputs of previous components" }),
    ),
    use_conversation_history: Type.Optional(Type.Boolean({ default: true })),
    use_playbook: Type.Optional(Type.Boolean({ default: true })),
  },
  {
    examples: [
      {
        cid: "test-123",
        task: "Explain quantum computing",
        input: [{ user_query: "What is quantum computing in simple terms?" }],
        use_conversation_history: true,
        use_playbook: true,
      },
    ],
  },
);

export const ComponentOutputSchema = Type.Object({
  cid: Type.String(),
  task: Type.String(),
  input: Type.Array(InputItemSchema),
  output: OutputDataSchema,
  component: Type.String(),
});

// An empty cid is a valid conversation (ComponentInput allows it), so its routes must reach it:
// /conversations/ and /playbook/ are the empty cid's (FastAPI's `{cid}` cannot match "", which left
// such a conversation unreadable and undeletable in the reference).
export const CidParamsSchema = Type.Object({ cid: Type.String({ maxLength: 1000 }) });

const Timestamp = Type.String({ format: "date-time" });

export const ConversationListSchema = Type.Object({
  total_conversations: Type.Integer(),
  conversations: Type.Array(
    Type.Object({ cid: Type.String(), messages: Type.Integer(), created_at: Timestamp, last_updated: Timestamp }),
  ),
});

export const ConversationDetailSchema = Type.Object({
  cid: Type.String(),
  message_count: Type.Integer(),
  messages: Type.Array(Type.Object({ role: Type.String(), content: Type.String(), timestamp: Timestamp })),
  created_at: Timestamp,
  last_activity: Timestamp,
});

export const DeletedSchema = Type.Object({ success: Type.Boolean(), message: Type.String(), cid: Type.String() });

export const PlaybookEntrySchema = Type.Object({
  id: Type.Integer(),
  cid: Type.String(),
  insight_type: Type.String(),
  key: Type.String(),
  value: Type.String(),
  operation: Type.String(),
  source_feedback: Type.String(),
  confidence_score: Type.Number(),
  tags: Type.Array(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: Type.Integer(),
  is_active: Type.Boolean(),
});

export const PlaybookSchema = Type.Object({
  cid: Type.String(),
  entry_count: Type.Integer(),
  entries: Type.Array(PlaybookEntrySchema),
});

export const PlaybookContextSchema = Type.Object({
  cid: Type.String(),
  entry_count: Type.Integer(),
  formatted_context: Type.String(),
  entries: Type.Array(PlaybookEntrySchema),
});

export const DetailErrorSchema = Type.Object({ detail: Type.Unknown() });
export const RateLimitErrorSchema = Type.Object({ error: Type.String() });
