// The SearXNG JSON API: GET {base}/search?q=…&format=json → {results: [{title, url, content}],
// answers: [string | {answer}], …}. An instance answers 403 when `json` is not among its
// `search.formats` (settings.yml), which is the usual set-up mistake, so that gets its own message.

import { type SearchAnswer, type SearchBackend, SearchError, type SearchHit } from "./search-backend.ts";

export interface SearxngOptions {
  baseUrl: string;
  /** Results kept per query. */
  maxResults: number;
  fetch?: typeof fetch;
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

export function parseSearxngResponse(query: string, body: unknown, maxResults: number): SearchAnswer {
  if (body === null || typeof body !== "object" || !Array.isArray((body as { results?: unknown }).results)) {
    throw new SearchError(502, "Search backend answered JSON without a `results` list: is it a SearXNG instance?");
  }
  const { results, answers } = body as { results: unknown[]; answers?: unknown };
  const hits: SearchHit[] = [];
  for (const item of results) {
    if (hits.length >= maxResults) break;
    if (item === null || typeof item !== "object") continue;
    const { title, url, content } = item as Record<string, unknown>;
    if (!text(url)) continue;
    hits.push({ title: text(title) || text(url), url: text(url), content: text(content) });
  }
  const direct = (Array.isArray(answers) ? answers : [])
    .map((answer) => (typeof answer === "string" ? answer : text((answer as { answer?: unknown } | null)?.answer)))
    .filter((answer) => answer !== "");
  return { query, hits, answers: direct };
}

export function searxngBackend(options: SearxngOptions): SearchBackend {
  const base = options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`;
  const doFetch = options.fetch ?? fetch;
  return {
    description: `SearXNG at ${new URL(base).host}`,
    async search(query, signal) {
      const url = new URL("search", base);
      url.searchParams.set("q", query);
      url.searchParams.set("format", "json");
      let response: Response;
      try {
        response = await doFetch(url, { signal, headers: { accept: "application/json" } });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const reason =
          error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : "";
        throw new SearchError(502, "Search backend unreachable", `Search backend ${url.host} unreachable: ${reason}`);
      }
      if (response.status === 403) {
        throw new SearchError(502, "Search backend refused format=json: enable `json` in SearXNG's search.formats");
      }
      if (!response.ok) {
        const detail = `Search backend answered HTTP ${response.status}`;
        throw new SearchError(502, detail, `${detail} (${url.host})`);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        if (signal.aborted) throw signal.reason;
        throw new SearchError(
          502,
          "Search backend did not answer JSON",
          `Search backend ${url.host} did not answer JSON`,
        );
      }
      return parseSearxngResponse(query, body, options.maxResults);
    },
  };
}
