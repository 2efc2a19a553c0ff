// What a component needs from the outside world, injected so the components stay testable.

import type { ChatModel } from "../llm/chat-model.ts";
import type { SearchBackend } from "../search/search-backend.ts";
import type { AgentStore } from "../store/store.ts";

export interface ComponentContext {
  model: ChatModel;
  store: AgentStore;
  /** Undefined when SEARCH_BACKEND_URL is not set. */
  search: SearchBackend | undefined;
  /** Stored messages given to the model (SMART_HISTORY_COUNT). */
  historyCount: number;
  /** Upper bound on generated tokens (MAX_TOKENS). */
  maxTokens: number;
  now: () => Date;
  /** Aborted at the request deadline or when the client disconnects: nothing is stored after. */
  signal: AbortSignal;
  /** Milliseconds left before the request deadline. */
  timeLeftMs: () => number;
  /** The request's logger (pino's), for what the operator may want to know but the caller not. */
  log?: { debug(fields: Record<string, unknown>, message: string): void };
}
