// The store contract for conversation history and the playbook, implemented for SQLite
// (node:sqlite, the default) and PostgreSQL, and checked by one conformance suite against both
// (test/store-conformance.ts). Times are passed in, so retention is tested without waiting.

import type { HistoryMessage } from "../components/types.ts";
import type { ApplyResult, Insight, PlaybookEntry, PlaybookOperationLog } from "../playbook/types.ts";

export interface StoreLimits {
  /** Messages kept per conversation; older ones are dropped as new ones arrive. */
  maxMessages: number;
  /** Messages older than this are invisible and removed by pruneExpired. */
  retentionDays: number;
  /** Active playbook entries per conversation. */
  maxPlaybookEntries: number;
}

export interface StoredMessage {
  role: "user" | "assistant";
  content: string;
  timestamp: string;
}

/** One row of GET /conversations. */
export interface ConversationSummary {
  cid: string;
  messages: number;
  created_at: string;
  last_updated: string;
}

/** GET /conversations/{cid}. */
export interface ConversationDetail {
  cid: string;
  message_count: number;
  messages: StoredMessage[];
  created_at: string;
  last_activity: string;
}

export interface AgentStore {
  readonly kind: "sqlite" | "postgres";
  readonly limits: StoreLimits;
  /**
   * Appends one exchange (usually the user's request and the answer) in one transaction: creates
   * the conversation if needed, keeps the newest `maxMessages`, and moves `last_updated`. An
   * exchange holding a blank message is not appended at all (half an exchange would leave two user
   * messages in a row); like an empty list, it only makes sure the conversation exists.
   */
  recordExchange(cid: string, messages: HistoryMessage[], now: Date): Promise<void>;
  /** The newest `count` unexpired messages, oldest first: what the model is given. */
  recentMessages(cid: string, count: number, now: Date): Promise<HistoryMessage[]>;
  /** Undefined for an unknown cid (reading never creates a conversation). */
  conversation(cid: string, now: Date): Promise<ConversationDetail | undefined>;
  /** Most recently updated first. */
  listConversations(limit: number, now: Date): Promise<ConversationSummary[]>;
  countConversations(): Promise<number>;
  /** Removes the conversation, its messages, its playbook and the playbook's log; false if unknown. */
  deleteConversation(cid: string): Promise<boolean>;
  /** Deletes every message older than the retention; returns how many went. */
  pruneExpired(now: Date): Promise<number>;
  /**
   * Deletes what no longer serves, so storage stays bounded when the agent runs unattended:
   * conversations with no message left and no update for EMPTY_CONVERSATION_GRACE_MS (with their
   * playbook and its log), log rows and inactive entries older than the retention, and playbooks of
   * cids without a conversation as old.
   */
  pruneUnused(now: Date): Promise<PruneCounts>;
  /** Active entries in the order they were first created. */
  activePlaybook(cid: string): Promise<PlaybookEntry[]>;
  /**
   * Applies insights in one transaction (see playbook/plan.ts for the rules) and logs every
   * operation, applied or skipped. Entries and log rows keep a bounded excerpt of the feedback
   * (playbook/feedback-excerpt.ts); a conversation keeps its newest `operationLogCap` log rows and
   * `maxPlaybookEntries` inactive entries.
   */
  applyInsights(cid: string, insights: Insight[], sourceFeedback: string, now: Date): Promise<ApplyResult>;
  /** The operation log of a conversation's playbook, oldest first. */
  playbookOperations(cid: string): Promise<PlaybookOperationLog[]>;
  close(): Promise<void>;
}

export interface PruneCounts {
  conversations: number;
  playbookEntries: number;
  operations: number;
}

export const DAY_MS = 86_400_000;

/**
 * How long a conversation with no message is kept after its last update (an exchange being
 * appended to it right now is never taken for an empty one).
 */
export const EMPTY_CONVERSATION_GRACE_MS = 60 * 60 * 1000;

/** Log rows kept per conversation: ten operations per entry the playbook may hold. */
export function operationLogCap(limits: StoreLimits): number {
  return 10 * limits.maxPlaybookEntries;
}

export function retentionCutoff(limits: StoreLimits, now: Date): Date {
  return new Date(now.getTime() - limits.retentionDays * DAY_MS);
}

/** What recordExchange appends: the whole exchange, or nothing when one of its messages is blank. */
export function storableMessages(messages: HistoryMessage[]): HistoryMessage[] {
  return messages.some((message) => message.content.trim() === "") ? [] : messages;
}
