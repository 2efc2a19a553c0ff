// Parsing the model's insight extraction answer. The reference's rules: find the JSON (```json
// block, else first fenced block, else the whole text), require a list, keep the items with a
// known insight_type and operation, a key and value, and a confidence in [0, 1] when given.
// Pithead also requires key/value to be strings and tags to be strings, since they are stored.

import { jsonCandidate } from "../components/json-answer.ts";
import {
  INSIGHT_TYPES,
  type Insight,
  type InsightType,
  MAX_KEY_LENGTH,
  OPERATIONS,
  type PlaybookOperation,
} from "./types.ts";

export function validateInsight(item: unknown): Insight | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const fields = item as Record<string, unknown>;
  const { insight_type, key, value, operation, confidence_score, tags } = fields;
  if (typeof insight_type !== "string" || !INSIGHT_TYPES.includes(insight_type as InsightType)) return undefined;
  if (typeof operation !== "string" || !OPERATIONS.includes(operation as PlaybookOperation)) return undefined;
  if (typeof key !== "string" || key.trim() === "" || key.length > MAX_KEY_LENGTH) return undefined;
  if (typeof value !== "string") return undefined;
  if (operation !== "delete" && value.trim() === "") return undefined;
  const insight: Insight = {
    insight_type: insight_type as InsightType,
    key: key.trim(),
    value,
    operation: operation as PlaybookOperation,
  };
  if (confidence_score !== undefined) {
    if (typeof confidence_score !== "number" || !(confidence_score >= 0 && confidence_score <= 1)) return undefined;
    insight.confidence_score = confidence_score;
  }
  if (tags !== undefined && tags !== null) {
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === "string")) return undefined;
    insight.tags = tags as string[];
  }
  return insight;
}

export interface ParsedInsights {
  insights: Insight[];
  /** Items dropped as invalid (for the log). */
  rejected: number;
  /** The answer was not a JSON list at all. */
  notAList: boolean;
}

export function parseInsights(answer: string): ParsedInsights {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonCandidate(answer));
  } catch {
    return { insights: [], rejected: 0, notAList: true };
  }
  if (!Array.isArray(parsed)) return { insights: [], rejected: 0, notAList: true };
  const insights: Insight[] = [];
  for (const item of parsed) {
    const insight = validateInsight(item);
    if (insight) insights.push(insight);
  }
  return { insights, rejected: parsed.length - insights.length, notAList: false };
}
