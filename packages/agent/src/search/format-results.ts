// The text /internet_search answers with.

import type { SearchAnswer } from "./search-backend.ts";

export function formatSearchResults(description: string, answers: SearchAnswer[]): string {
  const lines = [`Internet search results (${description}):`];
  answers.forEach((answer, index) => {
    lines.push("", `Query ${index + 1}: ${answer.query}`);
    for (const direct of answer.answers) lines.push(`Answer: ${direct}`);
    if (answer.hits.length === 0 && answer.answers.length === 0) lines.push("No results.");
    answer.hits.forEach((hit, rank) => {
      lines.push(`${rank + 1}. ${hit.title}`, `   ${hit.url}`);
      if (hit.content) lines.push(`   ${hit.content}`);
    });
  });
  return lines.join("\n");
}

export function searchNotConfigured(queries: string[]): string {
  return [
    "Internet search is not configured on this miner, so no search was made.",
    "(The operator can set SEARCH_BACKEND_URL to a SearXNG instance with the JSON format enabled.)",
    "",
    "Queries received:",
    ...queries.map((query) => `- ${query}`),
  ].join("\n");
}
