-- Conversations and their messages; times are Unix epoch milliseconds.
CREATE TABLE agent_conversations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cid TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_updated INTEGER NOT NULL
);
CREATE INDEX agent_conversations_last_updated ON agent_conversations (last_updated DESC);

CREATE TABLE agent_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id INTEGER NOT NULL REFERENCES agent_conversations (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX agent_messages_conversation ON agent_messages (conversation_id, id);
CREATE INDEX agent_messages_created_at ON agent_messages (created_at);

-- Playbook entries belong to a cid; deleting the conversation deletes them (in the same transaction).
CREATE TABLE agent_playbook_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cid TEXT NOT NULL,
  insight_type TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  operation TEXT NOT NULL,
  source_feedback TEXT NOT NULL,
  confidence_score REAL NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  is_active INTEGER NOT NULL DEFAULT 1
);
-- At most one active entry per key: update and delete find entries by key.
CREATE UNIQUE INDEX agent_playbook_active_key ON agent_playbook_entries (cid, key) WHERE is_active = 1;
CREATE INDEX agent_playbook_cid ON agent_playbook_entries (cid, id);

CREATE TABLE agent_playbook_operations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cid TEXT NOT NULL,
  entry_id INTEGER,
  operation TEXT NOT NULL,
  extracted_data TEXT NOT NULL,
  success INTEGER NOT NULL,
  error_message TEXT,
  source_feedback TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX agent_playbook_operations_cid ON agent_playbook_operations (cid, id);
