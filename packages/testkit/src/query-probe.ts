// Boundary values in every GET route a server's OpenAPI document lists: each path parameter, and
// each query parameter in turn. A server must answer every one with a 2xx or a 4xx naming what is
// wrong: a 5xx, or an error body whose object was flattened to "[object Object]", is a finding.

/** What `app.inject` of a Fastify server offers, and all the probe needs. */
export interface Injectable {
  inject(request: { method: "GET"; url: string; headers?: Record<string, string> }): Promise<{
    statusCode: number;
    body: string;
  }>;
}

export const boundaryValues = [
  "0",
  "-1",
  "1",
  "1.5",
  "99999999999999999999",
  "abc",
  "",
  "true",
  "%00",
  "..%2F..",
  "x".repeat(300),
];

export interface ProbeFinding {
  url: string;
  status: number;
  body: string;
}

interface OpenApiDocument {
  paths: Record<string, { get?: { parameters?: { in: string; name: string }[] } }>;
}

/**
 * URLs to try for one GET route: its path parameters set to each value, then each query parameter.
 * `fixed` path parameters (an operator id, say) keep their given value, so the rest reach the handler.
 */
export function probeUrls(
  path: string,
  parameters: readonly { in: string; name: string }[],
  fixed: Readonly<Record<string, string>> = {},
): string[] {
  const inPath = parameters.filter((p) => p.in === "path").map((p) => p.name);
  const inQuery = parameters.filter((p) => p.in === "query").map((p) => p.name);
  const fill = (value: string) =>
    inPath.reduce((url, name) => url.replace(`{${name}}`, encodeURIComponent(fixed[name] ?? value) || "x"), path);
  const urls = new Set<string>();
  for (const value of boundaryValues) {
    urls.add(fill(value));
    for (const name of inQuery) urls.add(`${fill("1")}?${name}=${value}`);
  }
  return [...urls];
}

export async function probeGetRoutes(
  app: Injectable,
  headersFor: (url: string) => Record<string, string> | Promise<Record<string, string>>,
  options: { skip?: (path: string) => boolean; fixed?: Readonly<Record<string, string>> } = {},
): Promise<{ requests: number; findings: ProbeFinding[] }> {
  const document = JSON.parse((await app.inject({ method: "GET", url: "/openapi.json" })).body) as OpenApiDocument;
  const findings: ProbeFinding[] = [];
  let requests = 0;
  for (const [path, operations] of Object.entries(document.paths)) {
    if (!operations.get || options.skip?.(path)) continue;
    for (const url of probeUrls(path, operations.get.parameters ?? [], options.fixed)) {
      const response = await app.inject({ method: "GET", url, headers: await headersFor(url) });
      requests++;
      if (response.statusCode >= 500 || response.body.includes("[object Object]")) {
        findings.push({ url, status: response.statusCode, body: response.body.slice(0, 200) });
      }
    }
  }
  return { requests, findings };
}
