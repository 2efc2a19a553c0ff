// Playbook: what the agent learned from a conversation's human feedback.

export const INSIGHT_TYPES = ["preference", "instruction", "fact", "correction", "context", "constraint"] as const;
export type InsightType = (typeof INSIGHT_TYPES)[number];

export const OPERATIONS = ["insert", "update", "delete"] as const;
export type PlaybookOperation = (typeof OPERATIONS)[number];

/** One item of the model's extraction answer, validated. */
export interface Insight {
  insight_type: InsightType;
  key: string;
  value: string;
  operation: PlaybookOperation;
  confidence_score?: number;
  tags?: string[];
}

export const DEFAULT_CONFIDENCE = 0.8;
export const MAX_KEY_LENGTH = 200;

/** A stored entry, in the wire shape of GET /playbook/{cid}. */
export interface PlaybookEntry {
  id: number;
  cid: string;
  insight_type: InsightType;
  key: string;
  value: string;
  operation: PlaybookOperation;
  source_feedback: string;
  confidence_score: number;
  tags: string[];
  created_at: string;
  updated_at: string;
  version: number;
  is_active: boolean;
}

/** What happened to one insight when it was applied. */
export interface InsightOutcome {
  insight: Insight;
  applied: boolean;
  /** What was done; an "insert" of an active key is an update, an unknown "update" an insert. */
  performed?: PlaybookOperation;
  /** Why it was not applied (cap reached, no entry to delete). */
  error?: string;
  /** The entry written (insert/update) or deactivated (delete). */
  entry?: PlaybookEntry;
}

export interface ApplyResult {
  outcomes: InsightOutcome[];
  /** Active entries after the change: the number the answer reports. */
  activeCount: number;
}

/** One row of the operation log: every operation, applied or not. */
export interface PlaybookOperationLog {
  id: number;
  cid: string;
  entry_id: number | null;
  operation: PlaybookOperation;
  extracted_data: Insight;
  success: boolean;
  error_message: string | null;
  source_feedback: string;
  timestamp: string;
}
