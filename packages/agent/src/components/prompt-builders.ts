// Pure prompt assembly: a component's input, history and playbook in, the chat messages out.
// The text layout follows the reference exactly (blank lines included).

import { formatVoteCounts, type VoteSummary } from "./majority-vote.ts";
import { hasNotebook } from "./notebook.ts";
import {
  AGGREGATE_INSTRUCTION,
  AGGREGATE_SYSTEM_PROMPT,
  COMPLETE_INSTRUCTION,
  COMPLETE_SYSTEM_PROMPT,
  FEEDBACK_INSTRUCTION,
  FEEDBACK_SYSTEM_PROMPT,
  REFINE_INSTRUCTION,
  REFINE_SYSTEM_PROMPT,
  SUMMARY_INSTRUCTION,
  SUMMARY_SYSTEM_PROMPT,
} from "./prompts.ts";
import type { ComponentInput, HistoryMessage, InputItem, PreviousOutput } from "./types.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Prompt {
  system: string;
  user: string;
}

/** `Query 1: …` blocks separated by blank lines. */
export function formatQueries(input: InputItem[]): string {
  return input.map((item, index) => `Query ${index + 1}: ${item.user_query}`).join("\n\n");
}

/** The indented `[component] task:` list used by complete, refine and feedback. */
export function formatPreviousOutputs(previous: PreviousOutput[], heading: string): string {
  if (previous.length === 0) return "";
  let text = `\n\n${heading}\n`;
  for (const prev of previous) {
    text += `\n[${prev.component}] ${prev.task}:\n`;
    text += `  Response: ${prev.output.immediate_response}\n`;
    if (hasNotebook(prev.output.notebook)) text += `  Notebook: ${prev.output.notebook}\n`;
  }
  return text;
}

export function completePrompt(input: ComponentInput, playbook: string): Prompt {
  const previous = formatPreviousOutputs(input.previous_outputs, "Previous component outputs:");
  return {
    system: playbook
      ? `${COMPLETE_SYSTEM_PROMPT}\n\nUser preferences and context:\n${playbook}`
      : COMPLETE_SYSTEM_PROMPT,
    user: `Task: ${input.task}\n\nInput:\n${formatQueries(input.input)}\n${previous}\n\n${COMPLETE_INSTRUCTION}`,
  };
}

export function refinePrompt(input: ComponentInput, playbook: string): Prompt {
  const previous = formatPreviousOutputs(input.previous_outputs, "Previous outputs to refine:");
  return {
    system: playbook ? `${REFINE_SYSTEM_PROMPT}\n\nUser preferences:\n${playbook}` : REFINE_SYSTEM_PROMPT,
    user: `Task: ${input.task}\n\nOriginal Input:\n${formatQueries(input.input)}\n${previous}\n\n${REFINE_INSTRUCTION}`,
  };
}

export function feedbackPrompt(input: ComponentInput, playbook: string): Prompt {
  const outputs = formatPreviousOutputs(input.previous_outputs, "Outputs to analyze:");
  // Fix: the reference left the request's `input` out of the feedback prompt, so the model
  // judged the outputs without knowing what had been asked.
  return {
    system: playbook ? `${FEEDBACK_SYSTEM_PROMPT}\n${playbook}` : FEEDBACK_SYSTEM_PROMPT,
    user: `Task: ${input.task}\n\nInput:\n${formatQueries(input.input)}\n${outputs}\n\n${FEEDBACK_INSTRUCTION}`,
  };
}

/** Summary blocks: `[component] task:` then unindented Response/Notebook lines, `---` between. */
export function summaryPrompt(input: ComponentInput, playbook: string): Prompt {
  const blocks = input.previous_outputs.map((prev) => {
    let text = `[${prev.component}] ${prev.task}:\n`;
    text += `Response: ${prev.output.immediate_response}\n`;
    if (hasNotebook(prev.output.notebook)) text += `Notebook: ${prev.output.notebook}\n`;
    return text;
  });
  return {
    system: playbook ? `${SUMMARY_SYSTEM_PROMPT}\n\nUser preferences:\n${playbook}` : SUMMARY_SYSTEM_PROMPT,
    user: `Task: ${input.task}\n\nContent to summarize:\n${blocks.join("\n\n---\n\n")}\n\n${SUMMARY_INSTRUCTION}`,
  };
}

/**
 * Aggregate blocks: `Output N [component]:`. Pithead adds the vote counts it computed, so the
 * model reports the real majority instead of estimating it (the reference only asked for one).
 */
export function aggregatePrompt(input: ComponentInput, playbook: string, votes: VoteSummary): Prompt {
  const blocks = input.previous_outputs.map((prev, index) => {
    let text = `Output ${index + 1} [${prev.component}]:\n`;
    text += `Response: ${prev.output.immediate_response}\n`;
    if (hasNotebook(prev.output.notebook)) text += `Notebook: ${prev.output.notebook}\n`;
    return text;
  });
  return {
    system: playbook ? `${AGGREGATE_SYSTEM_PROMPT}\n\nUser preferences:\n${playbook}` : AGGREGATE_SYSTEM_PROMPT,
    user:
      `Task: ${input.task}\n\nMultiple outputs to aggregate:\n${blocks.join("\n\n---\n\n")}\n\n` +
      `${formatVoteCounts(votes)}\n\n${AGGREGATE_INSTRUCTION}`,
  };
}

/**
 * System prompt, then the history (messages with blank content are skipped, as the reference's
 * client did), then the user prompt.
 */
export function chatMessages(prompt: Prompt, history: HistoryMessage[]): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: prompt.system }];
  for (const message of history) {
    if (message.content.trim() !== "") messages.push({ role: message.role, content: message.content });
  }
  if (prompt.user.trim() !== "") messages.push({ role: "user", content: prompt.user });
  return messages;
}
