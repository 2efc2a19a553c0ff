// /human_feedback: the model extracts playbook insights from the user's feedback (the reference's
// prompt, temperature 0.3, at most 2,000 tokens), valid ones are applied in one transaction, and
// the answer lists what changed. An answer that is not a valid insight list changes nothing.

import { extractionPrompt } from "../playbook/extraction-prompt.ts";
import { feedbackNotebook, formatFeedbackAnswer } from "../playbook/feedback-answer.ts";
import { parseInsights } from "../playbook/insights.ts";
import type { ApplyResult } from "../playbook/types.ts";
import type { ComponentContext } from "./component-context.ts";
import { fitOutput } from "./json-answer.ts";
import { askModel } from "./llm-call.ts";
import { EXTRACTION_MAX_TOKENS, NO_FEEDBACK_TEXT, TEMPERATURES } from "./prompts.ts";
import type { ComponentResult } from "./run-component.ts";
import { type ComponentInput, NO_UPDATE } from "./types.ts";

export async function runHumanFeedback(input: ComponentInput, context: ComponentContext): Promise<ComponentResult> {
  const feedback = input.input
    .map((item) => item.user_query)
    .filter((query) => query !== "")
    .join("\n");
  if (feedback.trim() === "") {
    return { output: { immediate_response: NO_FEEDBACK_TEXT, notebook: NO_UPDATE }, exchange: [] };
  }
  // The reference always showed the model the last messages; Pithead honours use_conversation_history.
  const recent = input.use_conversation_history
    ? await context.store.recentMessages(input.cid, context.historyCount, context.now())
    : [];
  const existing = await context.store.activePlaybook(input.cid);
  const prompt = extractionPrompt({
    feedback,
    context: recent.map((message) => `${message.role}: ${message.content.slice(0, 100)}...`).join("\n"),
    existing,
    maxEntries: context.store.limits.maxPlaybookEntries,
  });
  const answer = await askModel(
    context,
    [{ role: "user", content: prompt }],
    TEMPERATURES.human_feedback,
    Math.min(EXTRACTION_MAX_TOKENS, context.maxTokens),
  );
  const { insights } = parseInsights(answer);
  context.signal.throwIfAborted();
  const result: ApplyResult =
    insights.length > 0
      ? await context.store.applyInsights(input.cid, insights, feedback, context.now())
      : { outcomes: [], activeCount: existing.length };
  const output = fitOutput({
    immediate_response: formatFeedbackAnswer(result),
    notebook: feedbackNotebook(feedback, insights, result),
  });
  return {
    output,
    exchange: [
      { role: "user", content: `User feedback: ${feedback}` },
      { role: "assistant", content: output.immediate_response },
    ],
  };
}
