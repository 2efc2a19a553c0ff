// The seven components. Each reads its context (history, playbook), asks the model with the
// reference's prompt and temperature (the history cut to fit the context window), shapes the
// answer, and stores the exchange in the conversation history, in that order: a request that
// fails or times out stores nothing.

import { formatPlaybookContext } from "../playbook/format-context.ts";
import type { ComponentContext } from "./component-context.ts";
import { fitHistory } from "./fit-history.ts";
import { runHumanFeedback } from "./human-feedback.ts";
import { runInternetSearch } from "./internet-search.ts";
import { fitOutput, parseJsonAnswer } from "./json-answer.ts";
import { askModel } from "./llm-call.ts";
import { voteOnOutputs } from "./majority-vote.ts";
import { resolveNotebook } from "./notebook.ts";
import {
  aggregatePrompt,
  completePrompt,
  feedbackPrompt,
  formatQueries,
  type Prompt,
  refinePrompt,
  summaryPrompt,
} from "./prompt-builders.ts";
import { NOTHING_TO_AGGREGATE, NOTHING_TO_SUMMARIZE, TEMPERATURES } from "./prompts.ts";
import {
  type ComponentInput,
  type ComponentName,
  type ComponentOutput,
  type ComponentOutputData,
  type HistoryMessage,
  NO_UPDATE,
} from "./types.ts";

export interface ComponentResult {
  output: ComponentOutputData;
  /** The messages to append to the conversation (may be empty). */
  exchange: HistoryMessage[];
}

interface Loaded {
  history: HistoryMessage[];
  /** "" or "\n\n" + the formatted playbook, as the reference appends it. */
  playbook: string;
}

async function loadContext(input: ComponentInput, context: ComponentContext): Promise<Loaded> {
  const history = input.use_conversation_history
    ? await context.store.recentMessages(input.cid, context.historyCount, context.now())
    : [];
  let playbook = "";
  if (input.use_playbook) {
    const entries = await context.store.activePlaybook(input.cid);
    if (entries.length > 0) playbook = `\n\n${formatPlaybookContext(entries)}`;
  }
  return { history, playbook };
}

const exchange = (user: string, assistant: string): HistoryMessage[] => [
  { role: "user", content: user },
  { role: "assistant", content: assistant },
];

/** Cut to fit the window, saying so in the log when stored messages stay out. */
function fitted(input: ComponentInput, context: ComponentContext, prompt: Prompt, history: HistoryMessage[]) {
  const chat = fitHistory(context.model, prompt, history, context.maxTokens);
  if (chat.droppedMessages > 0) {
    context.log?.debug(
      { cid: input.cid, stored: history.length, dropped: chat.droppedMessages, maxTokens: chat.maxTokens },
      "stored history left out of the prompt (no room in the context window, or it began with an answer)",
    );
  }
  return chat;
}

async function jsonComponent(
  input: ComponentInput,
  context: ComponentContext,
  build: (loaded: Loaded) => Prompt,
  temperature: number,
  userMessage: string,
  preferredNotebook?: string,
): Promise<ComponentResult> {
  const loaded = await loadContext(input, context);
  const chat = fitted(input, context, build(loaded), loaded.history);
  const text = await askModel(context, chat.messages, temperature, chat.maxTokens);
  const answer = parseJsonAnswer(text);
  const notebook = resolveNotebook(answer.notebook, input.previous_outputs, preferredNotebook);
  return {
    output: { immediate_response: answer.immediate_response, notebook },
    exchange: exchange(userMessage, answer.immediate_response),
  };
}

const handlers: Record<ComponentName, (input: ComponentInput, context: ComponentContext) => Promise<ComponentResult>> =
  {
    complete: (input, context) =>
      jsonComponent(
        input,
        context,
        ({ playbook }) => completePrompt(input, playbook),
        TEMPERATURES.complete,
        `Task: ${input.task}\n${formatQueries(input.input)}`,
      ),

    refine: (input, context) =>
      jsonComponent(
        input,
        context,
        ({ playbook }) => refinePrompt(input, playbook),
        TEMPERATURES.refine,
        `Refine task: ${input.task}`,
      ),

    async feedback(input, context) {
      const loaded = await loadContext(input, context);
      const prompt = feedbackPrompt(input, loaded.playbook);
      const chat = fitted(input, context, prompt, loaded.history);
      const text = await askModel(context, chat.messages, TEMPERATURES.feedback, chat.maxTokens);
      const output = fitOutput({ immediate_response: text, notebook: NO_UPDATE });
      return { output, exchange: exchange(`Feedback request: ${input.task}`, output.immediate_response) };
    },

    async summary(input, context) {
      if (input.previous_outputs.length === 0) {
        return { output: { immediate_response: NOTHING_TO_SUMMARIZE, notebook: NO_UPDATE }, exchange: [] };
      }
      return jsonComponent(
        input,
        context,
        ({ playbook }) => summaryPrompt(input, playbook),
        TEMPERATURES.summary,
        `Summarize: ${input.task}`,
      );
    },

    async aggregate(input, context) {
      if (input.previous_outputs.length === 0) {
        return { output: { immediate_response: NOTHING_TO_AGGREGATE, notebook: NO_UPDATE }, exchange: [] };
      }
      const votes = voteOnOutputs(input.previous_outputs);
      return jsonComponent(
        input,
        context,
        ({ playbook }) => aggregatePrompt(input, playbook, votes),
        TEMPERATURES.aggregate,
        `Aggregate: ${input.task}`,
        // When the model keeps the notebook as is, the majority's notebook is the consensus one.
        votes.notebooks.winner?.text,
      );
    },

    human_feedback: runHumanFeedback,
    internet_search: runInternetSearch,
  };

export async function runComponent(
  name: ComponentName,
  input: ComponentInput,
  context: ComponentContext,
): Promise<ComponentOutput> {
  const result = await handlers[name](input, context);
  context.signal.throwIfAborted();
  await context.store.recordExchange(input.cid, result.exchange, context.now());
  return { cid: input.cid, task: input.task, input: input.input, output: result.output, component: name };
}
