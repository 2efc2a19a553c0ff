-- Conversations and their messages.
CREATE TABLE agent_conversations (
  id BIGSERIAL PRIMARY KEY,
  cid TEXT NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL,
  last_updated TIMESTAMPTZ NOT NULL
);
CREATE INDEX agent_conversations_last_updated ON agent_conversations (last_updated DESC);

CREATE TABLE agent_messages (
  id BIGSERIAL PRIMARY KEY,
  conversation_id BIGINT NOT NULL REFERENCES agent_conversations (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX agent_messages_conversation ON agent_messages (conversation_id, id);
CREATE INDEX agent_messages_created_at ON agent_messages (created_at);

-- Playbook entries belong to a cid; deleting the conversation deletes them (in the same transaction).
CREATE TABLE agent_playbook_entries (
  id BIGSERIAL PRIMARY KEY,
  cid TEXT NOT NULL,
  insight_type TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  operation TEXT NOT NULL,
  source_feedback TEXT NOT NULL,
  confidence_score DOUBLE PRECISION NOT NULL,
  tags JSONB NOT NULL DEFAULT '[]',
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  is_active BOOLEAN NOT NULL DEFAULT TRUE
);
-- At most one active entry per key: update and delete find entries by key.
CREATE UNIQUE INDEX agent_playbook_active_key ON agent_playbook_entries (cid, key) WHERE is_active;
CREATE INDEX agent_playbook_cid ON agent_playbook_entries (cid, id);

CREATE TABLE agent_playbook_operations (
  id BIGSERIAL PRIMARY KEY,
  cid TEXT NOT NULL,
  entry_id BIGINT,
  operation TEXT NOT NULL,
  extracted_data JSONB NOT NULL,
  success BOOLEAN NOT NULL,
  error_message TEXT,
  source_feedback TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX agent_playbook_operations_cid ON agent_playbook_operations (cid, id);
