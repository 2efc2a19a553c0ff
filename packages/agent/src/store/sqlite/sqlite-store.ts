// The SQLite store (node:sqlite): the default, one file under ./data. node:sqlite is synchronous,
// so every method below runs to completion without yielding: each transaction is atomic within
// the process, and BEGIN IMMEDIATE plus busy_timeout cover a second process on the same file.

import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { migrateSqlite as applyMigrations, loadMigrations } from "@pithead/sql";
import type { HistoryMessage } from "../../components/types.ts";
import { feedbackExcerpt } from "../../playbook/feedback-excerpt.ts";
import { planInsights } from "../../playbook/plan.ts";
import type {
  ApplyResult,
  Insight,
  InsightOutcome,
  PlaybookEntry,
  PlaybookOperationLog,
} from "../../playbook/types.ts";
import { DEFAULT_CONFIDENCE } from "../../playbook/types.ts";
import {
  type AgentStore,
  type ConversationDetail,
  type ConversationSummary,
  EMPTY_CONVERSATION_GRACE_MS,
  operationLogCap,
  type PruneCounts,
  retentionCutoff,
  type StoreLimits,
  storableMessages,
} from "../store.ts";
import { preparePrivateDatabase } from "./private-database.ts";

type Row = Record<string, unknown>;

const iso = (ms: unknown) => new Date(Number(ms)).toISOString();

function toEntry(row: Row): PlaybookEntry {
  return {
    id: Number(row.id),
    cid: String(row.cid),
    insight_type: row.insight_type as PlaybookEntry["insight_type"],
    key: String(row.key),
    value: String(row.value),
    operation: row.operation as PlaybookEntry["operation"],
    source_feedback: String(row.source_feedback),
    confidence_score: Number(row.confidence_score),
    tags: JSON.parse(String(row.tags)) as string[],
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: Number(row.version),
    is_active: Number(row.is_active) === 1,
  };
}

export function migrateSqlite(db: DatabaseSync): void {
  applyMigrations(db, {
    table: "agent_migrations",
    migrations: loadMigrations(new URL("./migrations/", import.meta.url)),
  });
}

export interface SqliteFiles {
  /** The agent's own folder (DATA_DIR): if the database is in it, an existing one is made 0700 too. */
  ownFolder?: string;
  /** Told what could not be made private (private-database.ts). */
  warn?: (line: string) => void;
}

/** `path` is a file (created 0600, its folder 0700) or ":memory:". */
export function openSqliteStore(path: string, limits: StoreLimits, files: SqliteFiles = {}): AgentStore {
  if (path !== ":memory:") {
    const warnings = preparePrivateDatabase(path, { ownFolder: dirname(path) === files.ownFolder });
    for (const line of warnings) files.warn?.(line);
  }
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
  migrateSqlite(db);

  const transaction = <T>(work: () => T): T => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };

  const statements = {
    upsertConversation: db.prepare(
      `INSERT INTO agent_conversations (cid, created_at, last_updated) VALUES (?, ?, ?)
       ON CONFLICT (cid) DO UPDATE SET last_updated = MAX(last_updated, excluded.last_updated)
       RETURNING id`,
    ),
    insertMessage: db.prepare(
      "INSERT INTO agent_messages (conversation_id, role, content, created_at) VALUES (?, ?, ?, ?)",
    ),
    // Keep the newest maxMessages of a conversation (ids grow with time, and break same-ms ties).
    trimMessages: db.prepare(
      `DELETE FROM agent_messages WHERE conversation_id = ? AND id NOT IN (
         SELECT id FROM agent_messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?)`,
    ),
    recent: db.prepare(
      `SELECT role, content FROM (
         SELECT m.id, m.role, m.content FROM agent_messages m JOIN agent_conversations c ON c.id = m.conversation_id
         WHERE c.cid = ? AND m.created_at >= ? ORDER BY m.id DESC LIMIT ?)
       ORDER BY id ASC`,
    ),
    conversation: db.prepare("SELECT id, cid, created_at, last_updated FROM agent_conversations WHERE cid = ?"),
    messagesOf: db.prepare(
      `SELECT role, content, created_at FROM (
         SELECT id, role, content, created_at FROM agent_messages WHERE conversation_id = ? AND created_at >= ?
         ORDER BY id DESC LIMIT ?)
       ORDER BY id ASC`,
    ),
    list: db.prepare(
      `SELECT c.cid, c.created_at, c.last_updated,
         (SELECT COUNT(*) FROM agent_messages m WHERE m.conversation_id = c.id AND m.created_at >= ?) AS messages
       FROM agent_conversations c ORDER BY c.last_updated DESC, c.id DESC LIMIT ?`,
    ),
    count: db.prepare("SELECT COUNT(*) AS n FROM agent_conversations"),
    deleteConversation: db.prepare("DELETE FROM agent_conversations WHERE cid = ?"),
    deletePlaybook: db.prepare("DELETE FROM agent_playbook_entries WHERE cid = ?"),
    deleteOperations: db.prepare("DELETE FROM agent_playbook_operations WHERE cid = ?"),
    prune: db.prepare("DELETE FROM agent_messages WHERE created_at < ?"),
    active: db.prepare("SELECT * FROM agent_playbook_entries WHERE cid = ? AND is_active = 1 ORDER BY id ASC"),
    insertEntry: db.prepare(
      `INSERT INTO agent_playbook_entries (cid, insight_type, key, value, operation, source_feedback, confidence_score, tags,
         created_at, updated_at, version, is_active)
       VALUES (?, ?, ?, ?, 'insert', ?, ?, ?, ?, ?, 1, 1) RETURNING *`,
    ),
    updateEntry: db.prepare(
      `UPDATE agent_playbook_entries SET value = ?, insight_type = ?, source_feedback = ?, confidence_score = ?,
         tags = COALESCE(?, tags), updated_at = ?, version = version + 1, operation = 'update'
       WHERE cid = ? AND key = ? AND is_active = 1 RETURNING *`,
    ),
    deactivateEntry: db.prepare(
      `UPDATE agent_playbook_entries SET is_active = 0, operation = 'delete', updated_at = ?
       WHERE cid = ? AND key = ? AND is_active = 1 RETURNING *`,
    ),
    logOperation: db.prepare(
      `INSERT INTO agent_playbook_operations (cid, entry_id, operation, extracted_data, success, error_message,
         source_feedback, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    operations: db.prepare("SELECT * FROM agent_playbook_operations WHERE cid = ? ORDER BY id ASC"),
    // A conversation's newest log rows and inactive entries are kept, the older ones go.
    trimOperations: db.prepare(
      `DELETE FROM agent_playbook_operations WHERE cid = ? AND id NOT IN (
         SELECT id FROM agent_playbook_operations WHERE cid = ? ORDER BY id DESC LIMIT ?)`,
    ),
    trimInactive: db.prepare(
      `DELETE FROM agent_playbook_entries WHERE cid = ? AND is_active = 0 AND id NOT IN (
         SELECT id FROM agent_playbook_entries WHERE cid = ? AND is_active = 0 ORDER BY updated_at DESC, id DESC LIMIT ?)`,
    ),
    // pruneUnused: conversations with no message left go with their playbook and its log.
    emptyPlaybooks: db.prepare(
      `DELETE FROM agent_playbook_entries WHERE cid IN (SELECT c.cid FROM agent_conversations c
         WHERE c.last_updated < ? AND NOT EXISTS (SELECT 1 FROM agent_messages m WHERE m.conversation_id = c.id))`,
    ),
    emptyOperations: db.prepare(
      `DELETE FROM agent_playbook_operations WHERE cid IN (SELECT c.cid FROM agent_conversations c
         WHERE c.last_updated < ? AND NOT EXISTS (SELECT 1 FROM agent_messages m WHERE m.conversation_id = c.id))`,
    ),
    emptyConversations: db.prepare(
      `DELETE FROM agent_conversations WHERE last_updated < ? AND NOT EXISTS (
         SELECT 1 FROM agent_messages m WHERE m.conversation_id = agent_conversations.id)`,
    ),
    oldOperations: db.prepare("DELETE FROM agent_playbook_operations WHERE created_at < ?"),
    // Inactive entries, and any of a cid that has no conversation (a feedback whose exchange was never stored).
    oldEntries: db.prepare(
      `DELETE FROM agent_playbook_entries WHERE updated_at < ?
         AND (is_active = 0 OR cid NOT IN (SELECT cid FROM agent_conversations))`,
    ),
  };

  const store: AgentStore = {
    kind: "sqlite",
    limits,

    async recordExchange(cid, messages, now) {
      const at = now.getTime();
      transaction(() => {
        const { id } = statements.upsertConversation.get(cid, at, at) as { id: number };
        for (const message of storableMessages(messages))
          statements.insertMessage.run(id, message.role, message.content, at);
        statements.trimMessages.run(id, id, limits.maxMessages);
      });
    },

    async recentMessages(cid, count, now) {
      if (count <= 0) return [];
      const rows = statements.recent.all(cid, retentionCutoff(limits, now).getTime(), count) as Row[];
      return rows.map((row) => ({ role: row.role as HistoryMessage["role"], content: String(row.content) }));
    },

    async conversation(cid, now): Promise<ConversationDetail | undefined> {
      const row = statements.conversation.get(cid) as Row | undefined;
      if (!row) return undefined;
      const messages = (
        statements.messagesOf.all(row.id as number, retentionCutoff(limits, now).getTime(), limits.maxMessages) as Row[]
      ).map((message) => ({
        role: message.role as HistoryMessage["role"],
        content: String(message.content),
        timestamp: iso(message.created_at),
      }));
      return {
        cid,
        message_count: messages.length,
        messages,
        created_at: iso(row.created_at),
        last_activity: iso(row.last_updated),
      };
    },

    async listConversations(limit, now): Promise<ConversationSummary[]> {
      const rows = statements.list.all(retentionCutoff(limits, now).getTime(), limit) as Row[];
      return rows.map((row) => ({
        cid: String(row.cid),
        messages: Number(row.messages),
        created_at: iso(row.created_at),
        last_updated: iso(row.last_updated),
      }));
    },

    async countConversations() {
      return Number((statements.count.get() as Row).n);
    },

    async deleteConversation(cid) {
      return transaction(() => {
        const deleted = Number(statements.deleteConversation.run(cid).changes) > 0;
        if (deleted) {
          statements.deletePlaybook.run(cid);
          statements.deleteOperations.run(cid);
        }
        return deleted;
      });
    },

    async pruneExpired(now) {
      return Number(statements.prune.run(retentionCutoff(limits, now).getTime()).changes);
    },

    async pruneUnused(now): Promise<PruneCounts> {
      const cutoff = retentionCutoff(limits, now).getTime();
      const idle = now.getTime() - EMPTY_CONVERSATION_GRACE_MS;
      return transaction(() => {
        let playbookEntries = Number(statements.emptyPlaybooks.run(idle).changes);
        let operations = Number(statements.emptyOperations.run(idle).changes);
        const conversations = Number(statements.emptyConversations.run(idle).changes);
        operations += Number(statements.oldOperations.run(cutoff).changes);
        playbookEntries += Number(statements.oldEntries.run(cutoff).changes);
        return { conversations, playbookEntries, operations };
      });
    },

    async activePlaybook(cid) {
      return (statements.active.all(cid) as Row[]).map(toEntry);
    },

    async applyInsights(cid, insights, feedback, now): Promise<ApplyResult> {
      const at = now.getTime();
      const sourceFeedback = feedbackExcerpt(feedback);
      return transaction(() => {
        const activeKeys = (statements.active.all(cid) as Row[]).map((row) => String(row.key));
        const outcomes: InsightOutcome[] = [];
        for (const step of planInsights(activeKeys, insights, limits.maxPlaybookEntries)) {
          const outcome = applyStep(step.kind, step.insight, cid, sourceFeedback, at);
          if (step.kind === "skip") outcome.error = step.reason;
          statements.logOperation.run(
            cid,
            outcome.entry?.id ?? null,
            outcome.performed ?? step.insight.operation,
            JSON.stringify(step.insight),
            outcome.applied ? 1 : 0,
            outcome.error ?? null,
            sourceFeedback,
            at,
          );
          outcomes.push(outcome);
        }
        statements.trimOperations.run(cid, cid, operationLogCap(limits));
        statements.trimInactive.run(cid, cid, limits.maxPlaybookEntries);
        const activeCount = (statements.active.all(cid) as Row[]).length;
        return { outcomes, activeCount };
      });
    },

    async playbookOperations(cid): Promise<PlaybookOperationLog[]> {
      return (statements.operations.all(cid) as Row[]).map((row) => ({
        id: Number(row.id),
        cid: String(row.cid),
        entry_id: row.entry_id === null ? null : Number(row.entry_id),
        operation: row.operation as PlaybookOperationLog["operation"],
        extracted_data: JSON.parse(String(row.extracted_data)) as Insight,
        success: Number(row.success) === 1,
        error_message: row.error_message === null ? null : String(row.error_message),
        source_feedback: String(row.source_feedback),
        timestamp: iso(row.created_at),
      }));
    },

    async close() {
      if (db.isOpen) db.close();
    },
  };

  function applyStep(
    kind: "insert" | "update" | "delete" | "skip",
    insight: Insight,
    cid: string,
    sourceFeedback: string,
    at: number,
  ): InsightOutcome {
    const confidence = insight.confidence_score ?? DEFAULT_CONFIDENCE;
    switch (kind) {
      case "insert": {
        const row = statements.insertEntry.get(
          cid,
          insight.insight_type,
          insight.key,
          insight.value,
          sourceFeedback,
          confidence,
          JSON.stringify(insight.tags ?? []),
          at,
          at,
        ) as Row;
        return { insight, applied: true, performed: "insert", entry: toEntry(row) };
      }
      case "update": {
        const row = statements.updateEntry.get(
          insight.value,
          insight.insight_type,
          sourceFeedback,
          confidence,
          insight.tags ? JSON.stringify(insight.tags) : null,
          at,
          cid,
          insight.key,
        ) as Row;
        return { insight, applied: true, performed: "update", entry: toEntry(row) };
      }
      case "delete": {
        const row = statements.deactivateEntry.get(at, cid, insight.key) as Row;
        return { insight, applied: true, performed: "delete", entry: toEntry(row) };
      }
      case "skip":
        return { insight, applied: false };
    }
  }

  return store;
}
