// Everything the routes need, built once by startAgent.

import type { AgentConfig } from "../config/load-config.ts";
import type { ChatModel } from "../llm/chat-model.ts";
import type { SearchBackend } from "../search/search-backend.ts";
import type { AgentStore } from "../store/store.ts";

export interface AgentDeps {
  config: AgentConfig;
  store: AgentStore;
  model: ChatModel;
  search: SearchBackend | undefined;
  now: () => Date;
  version: string;
  /** Aborted when a shutdown stops waiting for requests in flight (they answer 503). */
  cutoff: AbortSignal;
}
