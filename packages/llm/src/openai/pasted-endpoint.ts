// An OpenAI-compatible server's base URL (…/v1) pasted as its endpoint (…/v1/chat/completions):
// the client adds /chat/completions itself, so every call went to …/chat/completions/chat/completions
// and was a bare 404. Found here once for every place that takes a base URL.

/** The endpoint path `url` ends in and the base URL meant, or undefined when it is a base URL. */
export function pastedEndpoint(url: URL): { endpoint: string; base: string } | undefined {
  const found = /\/(chat\/completions|completions)\/*$/.exec(url.pathname);
  if (found === null) return undefined;
  return {
    endpoint: found[0].replace(/\/+$/, ""),
    base: `${url.origin}${url.pathname.slice(0, found.index)}`,
  };
}
