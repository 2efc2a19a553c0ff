// The wire types of the seven component endpoints (specs/agent-api.md). The orchestrator of the
// network calls miners with exactly these shapes, so field names stay snake_case.

export const COMPONENT_NAMES = [
  "complete",
  "refine",
  "feedback",
  "human_feedback",
  "internet_search",
  "summary",
  "aggregate",
] as const;

export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** The notebook value meaning "no document was produced or changed". */
export const NO_UPDATE = "no update";

export interface InputItem {
  user_query: string;
}

export interface ComponentOutputData {
  immediate_response: string;
  notebook: string;
}

export interface PreviousOutput {
  task: string;
  input: InputItem[];
  output: ComponentOutputData;
  component: string;
}

export interface ComponentInput {
  cid: string;
  task: string;
  input: InputItem[];
  previous_outputs: PreviousOutput[];
  use_conversation_history: boolean;
  use_playbook: boolean;
}

export interface ComponentOutput {
  cid: string;
  task: string;
  input: InputItem[];
  output: ComponentOutputData;
  component: ComponentName;
}

/** Output limits of ComponentOutputData; longer model answers are cut to fit. */
export const MAX_IMMEDIATE_RESPONSE = 50_000;
export const MAX_NOTEBOOK = 100_000;

/** A message kept in a conversation's history and fed back to the model. */
export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
}
