// Web search for /internet_search. The reference shipped a template that never searched; Pithead
// calls a SearXNG instance's JSON API (SEARCH_BACKEND_URL) and says plainly when none is set.

export interface SearchHit {
  title: string;
  url: string;
  content: string;
}

export interface SearchAnswer {
  query: string;
  hits: SearchHit[];
  /** Direct answers (SearXNG's `answers`: calculators, infobox facts). */
  answers: string[];
}

export interface SearchBackend {
  /** Shown in answers and /capabilities, e.g. "SearXNG at search.example.org". */
  readonly description: string;
  search(query: string, signal: AbortSignal): Promise<SearchAnswer>;
}

/**
 * A search backend failure with the HTTP status the agent answers with (502 or 504). `detail` is
 * what the caller reads: no address of the backend and no system error text (as for the model
 * server, llm/llm-errors.ts); the message, for the log, has both.
 */
export class SearchError extends Error {
  readonly status: 502 | 504;
  readonly detail: string;
  constructor(status: 502 | 504, detail: string, message = detail) {
    super(message);
    this.name = "SearchError";
    this.status = status;
    this.detail = detail;
  }
}
