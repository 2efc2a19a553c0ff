// Deciding what each insight does to the playbook: a pure function of the active keys, run by the
// stores inside the transaction that applies it (so two feedbacks cannot both take the last free
// slot). Steps name entries by key: within a cid at most one active entry has a given key.
// Fixes over the reference: an "update" of an unknown key inserts only while under the cap (the
// reference inserted past it), and an "insert" of a key that is already active replaces it (keys
// are what update and delete find entries by, so duplicates would make them ambiguous).

import type { Insight } from "./types.ts";

export type PlanStep =
  | { kind: "insert" | "update" | "delete"; insight: Insight }
  | { kind: "skip"; insight: Insight; reason: string };

export function planInsights(activeKeys: Iterable<string>, insights: Insight[], maxEntries: number): PlanStep[] {
  const keys = new Set(activeKeys);
  const steps: PlanStep[] = [];
  for (const insight of insights) {
    const exists = keys.has(insight.key);
    if (insight.operation === "delete") {
      if (exists) {
        steps.push({ kind: "delete", insight });
        keys.delete(insight.key);
      } else {
        steps.push({ kind: "skip", insight, reason: `No active entry with key "${insight.key}"` });
      }
    } else if (exists) {
      steps.push({ kind: "update", insight });
    } else if (keys.size >= maxEntries) {
      steps.push({ kind: "skip", insight, reason: `Playbook limit reached (${maxEntries} entries)` });
    } else {
      steps.push({ kind: "insert", insight });
      keys.add(insight.key);
    }
  }
  return steps;
}
