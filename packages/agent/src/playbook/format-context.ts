// The playbook as the model sees it (the reference's format, grouped by insight type in order
// of first appearance).

import type { PlaybookEntry } from "./types.ts";

export const NO_PLAYBOOK_ENTRIES = "No playbook entries found for this conversation.";

export function formatPlaybookContext(
  entries: Pick<PlaybookEntry, "insight_type" | "key" | "value" | "tags">[],
): string {
  if (entries.length === 0) return "No playbook entries yet.";
  const byType = new Map<string, typeof entries>();
  for (const entry of entries) {
    const group = byType.get(entry.insight_type);
    if (group) group.push(entry);
    else byType.set(entry.insight_type, [entry]);
  }
  const parts = ["=== USER'S PLAYBOOK (Knowledge Base) ==="];
  for (const [type, group] of byType) {
    parts.push(`\n## ${type.toUpperCase()}:`);
    for (const entry of group) {
      parts.push(`  • ${entry.key}: ${entry.value}`);
      if (entry.tags.length > 0) parts.push(`    Tags: ${entry.tags.join(", ")}`);
    }
  }
  parts.push("\n=== END PLAYBOOK ===");
  return parts.join("\n");
}
