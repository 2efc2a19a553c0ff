// /internet_search: every query through the configured search backend (a few at a time), the
// results as text; with no backend configured, an honest answer saying so, in the same shape.

import { formatSearchResults, searchNotConfigured } from "../search/format-results.ts";
import type { SearchAnswer } from "../search/search-backend.ts";
import type { ComponentContext } from "./component-context.ts";
import { fitOutput } from "./json-answer.ts";
import type { ComponentResult } from "./run-component.ts";
import { type ComponentInput, NO_UPDATE } from "./types.ts";

const PARALLEL_SEARCHES = 4;

export async function runInternetSearch(input: ComponentInput, context: ComponentContext): Promise<ComponentResult> {
  const queries = input.input.map((item) => item.user_query);
  let text: string;
  if (!context.search) {
    text = searchNotConfigured(queries);
  } else {
    const backend = context.search;
    const answers: SearchAnswer[] = new Array(queries.length);
    let next = 0;
    const worker = async () => {
      while (next < queries.length) {
        const index = next++;
        answers[index] = await backend.search(queries[index] ?? "", context.signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_SEARCHES, queries.length) }, worker));
    text = formatSearchResults(backend.description, answers);
  }
  const output = fitOutput({ immediate_response: text, notebook: NO_UPDATE });
  return {
    output,
    exchange: [
      { role: "user", content: `Search: ${queries.join(", ")}` },
      { role: "assistant", content: output.immediate_response },
    ],
  };
}
