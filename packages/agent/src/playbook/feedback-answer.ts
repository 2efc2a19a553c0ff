// The text /human_feedback answers with (the reference's layout), and its notebook.

import type { ApplyResult, Insight } from "./types.ts";

const EMOJI: Record<string, string> = { insert: "➕", update: "🔄", delete: "❌" };

const titleCase = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export const NO_INSIGHTS_ANSWER =
  "Thank you for your feedback. However, I couldn't extract any actionable insights to add to your playbook. " +
  "Your feedback has been stored in the conversation history for context.";

export function formatFeedbackAnswer(result: ApplyResult): string {
  if (result.outcomes.length === 0) return NO_INSIGHTS_ANSWER;
  const parts = ["✅ Thank you for your feedback! I've analyzed it and extracted the following insights:\n"];
  for (const outcome of result.outcomes) {
    const { insight } = outcome;
    // The operation actually done (an insert of a known key is an update), not only the one asked for.
    const operation = outcome.performed ?? insight.operation;
    parts.push(
      `${EMOJI[operation] ?? "•"} **${titleCase(insight.insight_type)}** (${operation})\n` +
        `   Key: \`${insight.key}\`\n` +
        `   Value: ${insight.value}\n` +
        `   Confidence: ${Math.round((insight.confidence_score ?? 0.8) * 100)}%`,
    );
    if (insight.tags && insight.tags.length > 0) parts.push(`   Tags: ${insight.tags.join(", ")}`);
    if (!outcome.applied) parts.push(`   ⚠️ Not applied: ${outcome.error ?? "unknown reason"}`);
    parts.push("");
  }
  // Fix: the reference reported the number of entries this feedback touched as the playbook size.
  parts.push(
    `\n📚 Your playbook now has ${result.activeCount} active entries. I'll use this knowledge in our future conversations!`,
  );
  return parts.join("\n");
}

export function feedbackNotebook(feedback: string, insights: Insight[], result: ApplyResult): string {
  return JSON.stringify(
    {
      feedback,
      insights_extracted: insights.length,
      entries_modified: result.outcomes.filter((outcome) => outcome.applied).length,
      insights,
    },
    null,
    2,
  );
}
