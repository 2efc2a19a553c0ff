// The PostgreSQL store, for miners that run several agent replicas on one database. Every change
// is one transaction; the conversation upsert's row lock serialises appends to one conversation,
// and a per-cid advisory lock serialises playbook changes (so the cap holds under concurrency).

import { migratePostgres as applyMigrations, checkout, loadMigrations, openClient } from "@pithead/sql";
import pg from "pg";
import type { HistoryMessage } from "../../components/types.ts";
import { feedbackExcerpt } from "../../playbook/feedback-excerpt.ts";
import { planInsights } from "../../playbook/plan.ts";
import {
  type ApplyResult,
  DEFAULT_CONFIDENCE,
  type Insight,
  type InsightOutcome,
  type PlaybookEntry,
  type PlaybookOperationLog,
} from "../../playbook/types.ts";
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
import { fromPgJson, fromPgText, toPgJson, toPgText } from "./pg-text.ts";

type Row = Record<string, unknown>;

const iso = (value: unknown) => (value as Date).toISOString();

/** A text column, unescaped (see pg-text.ts). */
const text = (value: unknown) => fromPgText(String(value));

function toEntry(row: Row): PlaybookEntry {
  return {
    id: Number(row.id),
    cid: text(row.cid),
    insight_type: text(row.insight_type) as PlaybookEntry["insight_type"],
    key: text(row.key),
    value: text(row.value),
    operation: row.operation as PlaybookEntry["operation"],
    source_feedback: text(row.source_feedback),
    confidence_score: Number(row.confidence_score),
    tags: fromPgJson<string[]>(row.tags),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: Number(row.version),
    is_active: row.is_active === true,
  };
}

async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await checkout(pool);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Applies pending migrations; replicas starting together wait on one advisory lock. */
export async function migratePostgres(url: string): Promise<void> {
  const client = await openClient(url);
  try {
    await applyMigrations(client, {
      table: "agent_migrations",
      migrations: loadMigrations(new URL("./migrations/", import.meta.url)),
    });
  } finally {
    await client.end();
  }
}

export async function openPostgresStore(url: string, limits: StoreLimits): Promise<AgentStore> {
  await migratePostgres(url);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});

  /** `cid` is already escaped (pg-text.ts). */
  async function applyStep(
    client: pg.PoolClient,
    kind: "insert" | "update" | "delete" | "skip",
    insight: Insight,
    cid: string,
    sourceFeedback: string,
    now: Date,
  ): Promise<InsightOutcome> {
    const confidence = insight.confidence_score ?? DEFAULT_CONFIDENCE;
    switch (kind) {
      case "insert": {
        const { rows } = await client.query(
          `INSERT INTO agent_playbook_entries (cid, insight_type, key, value, operation, source_feedback, confidence_score,
             tags, created_at, updated_at, version, is_active)
           VALUES ($1, $2, $3, $4, 'insert', $5, $6, $7, $8, $8, 1, TRUE) RETURNING *`,
          [
            cid,
            toPgText(insight.insight_type),
            toPgText(insight.key),
            toPgText(insight.value),
            toPgText(sourceFeedback),
            confidence,
            toPgJson(insight.tags ?? []),
            now,
          ],
        );
        return { insight, applied: true, performed: "insert", entry: toEntry(rows[0] as Row) };
      }
      case "update": {
        const { rows } = await client.query(
          `UPDATE agent_playbook_entries SET value = $1, insight_type = $2, source_feedback = $3, confidence_score = $4,
             tags = COALESCE($5::jsonb, tags), updated_at = $6, version = version + 1, operation = 'update'
           WHERE cid = $7 AND key = $8 AND is_active RETURNING *`,
          [
            toPgText(insight.value),
            toPgText(insight.insight_type),
            toPgText(sourceFeedback),
            confidence,
            insight.tags ? toPgJson(insight.tags) : null,
            now,
            cid,
            toPgText(insight.key),
          ],
        );
        return { insight, applied: true, performed: "update", entry: toEntry(rows[0] as Row) };
      }
      case "delete": {
        const { rows } = await client.query(
          `UPDATE agent_playbook_entries SET is_active = FALSE, operation = 'delete', updated_at = $1
           WHERE cid = $2 AND key = $3 AND is_active RETURNING *`,
          [now, cid, toPgText(insight.key)],
        );
        return { insight, applied: true, performed: "delete", entry: toEntry(rows[0] as Row) };
      }
      case "skip":
        return { insight, applied: false };
    }
  }

  return {
    kind: "postgres",
    limits,

    async recordExchange(cid, messages, now) {
      await inTransaction(pool, async (client) => {
        const { rows } = await client.query(
          `INSERT INTO agent_conversations (cid, created_at, last_updated) VALUES ($1, $2, $2)
           ON CONFLICT (cid) DO UPDATE SET last_updated = GREATEST(agent_conversations.last_updated, excluded.last_updated)
           RETURNING id`,
          [toPgText(cid), now],
        );
        const id = (rows[0] as Row).id;
        for (const message of storableMessages(messages)) {
          await client.query(
            "INSERT INTO agent_messages (conversation_id, role, content, created_at) VALUES ($1, $2, $3, $4)",
            [id, message.role, toPgText(message.content), now],
          );
        }
        await client.query(
          `DELETE FROM agent_messages WHERE conversation_id = $1 AND id NOT IN (
             SELECT id FROM agent_messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2)`,
          [id, limits.maxMessages],
        );
      });
    },

    async recentMessages(cid, count, now) {
      if (count <= 0) return [];
      const { rows } = await pool.query(
        `SELECT role, content FROM (
           SELECT m.id, m.role, m.content FROM agent_messages m JOIN agent_conversations c ON c.id = m.conversation_id
           WHERE c.cid = $1 AND m.created_at >= $2 ORDER BY m.id DESC LIMIT $3) recent
         ORDER BY id ASC`,
        [toPgText(cid), retentionCutoff(limits, now), count],
      );
      return rows.map((row: Row) => ({ role: row.role as HistoryMessage["role"], content: text(row.content) }));
    },

    async conversation(cid, now): Promise<ConversationDetail | undefined> {
      const found = await pool.query("SELECT id, created_at, last_updated FROM agent_conversations WHERE cid = $1", [
        toPgText(cid),
      ]);
      const row = found.rows[0] as Row | undefined;
      if (!row) return undefined;
      const { rows } = await pool.query(
        `SELECT role, content, created_at FROM (
           SELECT id, role, content, created_at FROM agent_messages WHERE conversation_id = $1 AND created_at >= $2
           ORDER BY id DESC LIMIT $3) newest
         ORDER BY id ASC`,
        [row.id, retentionCutoff(limits, now), limits.maxMessages],
      );
      const messages = rows.map((message: Row) => ({
        role: message.role as HistoryMessage["role"],
        content: text(message.content),
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
      const { rows } = await pool.query(
        `SELECT c.cid, c.created_at, c.last_updated,
           (SELECT COUNT(*) FROM agent_messages m WHERE m.conversation_id = c.id AND m.created_at >= $1)::int AS messages
         FROM agent_conversations c ORDER BY c.last_updated DESC, c.id DESC LIMIT $2`,
        [retentionCutoff(limits, now), limit],
      );
      return rows.map((row: Row) => ({
        cid: text(row.cid),
        messages: Number(row.messages),
        created_at: iso(row.created_at),
        last_updated: iso(row.last_updated),
      }));
    },

    async countConversations() {
      const { rows } = await pool.query("SELECT COUNT(*)::int AS n FROM agent_conversations");
      return Number((rows[0] as Row).n);
    },

    async deleteConversation(plainCid) {
      const cid = toPgText(plainCid);
      return inTransaction(pool, async (client) => {
        const deleted =
          ((await client.query("DELETE FROM agent_conversations WHERE cid = $1", [cid])).rowCount ?? 0) > 0;
        if (deleted) {
          await client.query("DELETE FROM agent_playbook_entries WHERE cid = $1", [cid]);
          await client.query("DELETE FROM agent_playbook_operations WHERE cid = $1", [cid]);
        }
        return deleted;
      });
    },

    async pruneExpired(now) {
      const result = await pool.query("DELETE FROM agent_messages WHERE created_at < $1", [
        retentionCutoff(limits, now),
      ]);
      return result.rowCount ?? 0;
    },

    async pruneUnused(now): Promise<PruneCounts> {
      const cutoff = retentionCutoff(limits, now);
      const idle = new Date(now.getTime() - EMPTY_CONVERSATION_GRACE_MS);
      return inTransaction(pool, async (client) => {
        // Conversations with no message left go with their playbook and its log.
        const empty = `SELECT c.cid FROM agent_conversations c
          WHERE c.last_updated < $1 AND NOT EXISTS (SELECT 1 FROM agent_messages m WHERE m.conversation_id = c.id)`;
        const count = (result: { rowCount: number | null }) => result.rowCount ?? 0;
        let playbookEntries = count(
          await client.query(`DELETE FROM agent_playbook_entries WHERE cid IN (${empty})`, [idle]),
        );
        let operations = count(
          await client.query(`DELETE FROM agent_playbook_operations WHERE cid IN (${empty})`, [idle]),
        );
        // A conversation an exchange is being appended to has just moved last_updated: the row lock
        // makes this wait, and the recheck of last_updated spares it (its messages with it).
        const conversations = count(
          await client.query(
            `DELETE FROM agent_conversations c WHERE c.last_updated < $1
               AND NOT EXISTS (SELECT 1 FROM agent_messages m WHERE m.conversation_id = c.id)`,
            [idle],
          ),
        );
        operations += count(
          await client.query("DELETE FROM agent_playbook_operations WHERE created_at < $1", [cutoff]),
        );
        // Inactive entries, and any of a cid that has no conversation (a feedback whose exchange was never stored).
        playbookEntries += count(
          await client.query(
            `DELETE FROM agent_playbook_entries WHERE updated_at < $1
               AND (NOT is_active OR cid NOT IN (SELECT cid FROM agent_conversations))`,
            [cutoff],
          ),
        );
        return { conversations, playbookEntries, operations };
      });
    },

    async activePlaybook(cid) {
      const { rows } = await pool.query(
        "SELECT * FROM agent_playbook_entries WHERE cid = $1 AND is_active ORDER BY id ASC",
        [toPgText(cid)],
      );
      return rows.map(toEntry);
    },

    async applyInsights(plainCid, insights, feedback, now): Promise<ApplyResult> {
      const cid = toPgText(plainCid);
      const sourceFeedback = feedbackExcerpt(feedback);
      return inTransaction(pool, async (client) => {
        await client.query("SELECT pg_advisory_xact_lock(hashtext('pithead_agent_playbook:' || $1))", [cid]);
        const active = await client.query("SELECT key FROM agent_playbook_entries WHERE cid = $1 AND is_active", [cid]);
        const outcomes: InsightOutcome[] = [];
        for (const step of planInsights(
          active.rows.map((row: Row) => text(row.key)),
          insights,
          limits.maxPlaybookEntries,
        )) {
          const outcome = await applyStep(client, step.kind, step.insight, cid, sourceFeedback, now);
          if (step.kind === "skip") outcome.error = step.reason;
          await client.query(
            `INSERT INTO agent_playbook_operations (cid, entry_id, operation, extracted_data, success, error_message,
               source_feedback, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [
              cid,
              outcome.entry?.id ?? null,
              outcome.performed ?? step.insight.operation,
              toPgJson(step.insight),
              outcome.applied,
              outcome.error === undefined ? null : toPgText(outcome.error),
              toPgText(sourceFeedback),
              now,
            ],
          );
          outcomes.push(outcome);
        }
        // A conversation's newest log rows and inactive entries are kept, the older ones go.
        await client.query(
          `DELETE FROM agent_playbook_operations WHERE cid = $1 AND id NOT IN (
             SELECT id FROM agent_playbook_operations WHERE cid = $1 ORDER BY id DESC LIMIT $2)`,
          [cid, operationLogCap(limits)],
        );
        await client.query(
          `DELETE FROM agent_playbook_entries WHERE cid = $1 AND NOT is_active AND id NOT IN (
             SELECT id FROM agent_playbook_entries WHERE cid = $1 AND NOT is_active
             ORDER BY updated_at DESC, id DESC LIMIT $2)`,
          [cid, limits.maxPlaybookEntries],
        );
        const count = await client.query(
          "SELECT COUNT(*)::int AS n FROM agent_playbook_entries WHERE cid = $1 AND is_active",
          [cid],
        );
        return { outcomes, activeCount: Number((count.rows[0] as Row).n) };
      });
    },

    async playbookOperations(cid): Promise<PlaybookOperationLog[]> {
      const { rows } = await pool.query("SELECT * FROM agent_playbook_operations WHERE cid = $1 ORDER BY id ASC", [
        toPgText(cid),
      ]);
      return rows.map((row: Row) => ({
        id: Number(row.id),
        cid: text(row.cid),
        entry_id: row.entry_id === null ? null : Number(row.entry_id),
        operation: row.operation as PlaybookOperationLog["operation"],
        extracted_data: fromPgJson<Insight>(row.extracted_data),
        success: row.success === true,
        error_message: row.error_message === null ? null : text(row.error_message),
        source_feedback: text(row.source_feedback),
        timestamp: iso(row.created_at),
      }));
    },

    async close() {
      await pool.end();
    },
  };
}
