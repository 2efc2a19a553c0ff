// One way to call a service through the dashboard's proxy (/svc/<service>/…): JSON in and out,
// and every failure turned into an ApiError whose message a person can act on, whatever shape the
// service's error body has (Pithead's envelope, the agent's FastAPI `detail`, plain text).

export type ServiceName = "coordinator" | "fleet" | "agent";

export const serviceLabels: Record<ServiceName, string> = {
  coordinator: "Coordinator",
  fleet: "Fleet controller",
  agent: "Agent API",
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly service: ServiceName | "dashboard";
  /** The envelope's `details` (e.g. a refused role's `{ role, allowed }`), when the service sent any. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    service: ServiceName | "dashboard",
    status: number,
    code: string,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
    this.service = service;
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The message and code inside an error body, whichever convention the service follows. */
export function describeErrorBody(
  status: number,
  body: unknown,
  text: string,
): { code: string; message: string; details?: Record<string, unknown> } {
  if (typeof body === "object" && body !== null) {
    const { error, detail } = body as { error?: unknown; detail?: unknown };
    if (typeof error === "object" && error !== null) {
      const { code, message, details } = error as {
        code?: unknown;
        message?: unknown;
        details?: { field?: unknown; limit_bytes?: unknown };
      };
      const field = typeof details?.field === "string" ? ` (${details.field})` : "";
      // A body over a service's limit (413): say the limit, so the user knows how far to cut.
      const limit =
        typeof details?.limit_bytes === "number"
          ? ` (the limit is ${details.limit_bytes.toLocaleString("en-US")} bytes)`
          : "";
      return {
        code: typeof code === "string" ? code : `HTTP_${status}`,
        message: `${typeof message === "string" ? message : "Request failed"}${field}${limit}`,
        ...(typeof details === "object" && details !== null ? { details: details as Record<string, unknown> } : {}),
      };
    }
    if (typeof error === "string") return { code: `HTTP_${status}`, message: error };
    if (typeof detail === "string") return { code: `HTTP_${status}`, message: detail };
    if (Array.isArray(detail) && detail.length > 0) {
      const first = detail[0] as { msg?: unknown; loc?: unknown };
      const where = Array.isArray(first.loc) ? ` (${first.loc.join(".")})` : "";
      return {
        code: `HTTP_${status}`,
        message: `${typeof first.msg === "string" ? first.msg : "Invalid request"}${where}`,
      };
    }
  }
  const snippet = text.trim().slice(0, 200);
  return { code: `HTTP_${status}`, message: snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}` };
}

/** How a tab holding keys gets back to the login screen, which shows only to a tab holding none. */
const LOG_IN_AGAIN = "Log in again (Forget keys on the Connections page, then enter the login code pithead up printed)";

/**
 * What to add to a 401 for a request that sent a key: which key was refused (by the public id a
 * Pithead key carries, never the secret) and what fixes it.
 */
export function refusedKeyHint(headers: Record<string, string> | undefined, code?: string): string | undefined {
  // A signed fleet request: an unknown operator or a signature that does not match is the secret
  // (a stale tab after a new start, or a changed secret); a stale timestamp or a replay is not.
  const operator = headers?.["x-pithead-operator"];
  if (operator !== undefined) {
    if (code !== "AUTH_BAD_SIGNATURE" && code !== "AUTH_UNKNOWN_OPERATOR") return undefined;
    return (
      `the secret this tab holds for operator ${operator} was refused: it was changed, or the stack was started again with new keys. ` +
      `${LOG_IN_AGAIN}, or enter the current secret on the Connections page`
    );
  }
  const sent = headers?.authorization?.replace(/^Bearer\s+/i, "") ?? headers?.["x-api-key"];
  if (!sent) return undefined;
  const pithead = /^ph_([a-z]+)_([0-9a-f]{12})_/.exec(sent);
  const which = pithead ? `the ${pithead[1]} key ${pithead[2]}` : "the key this dashboard holds";
  return (
    `${which} was refused: it was revoked, or the stack was started again with new keys. ` +
    `${LOG_IN_AGAIN}, or enter a current key on the Connections page`
  );
}

/**
 * The refused-key errors (401) among a page's loads, each said once: one key refused fails every
 * panel it reads, and the page shows it once rather than above each panel.
 */
export function refusedKeyErrors(errors: readonly unknown[]): ApiError[] {
  const seen = new Map<string, ApiError>();
  for (const error of errors) if (isKeyRefused(error) && !seen.has(error.message)) seen.set(error.message, error);
  return [...seen.values()];
}

export function isKeyRefused(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 401;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as is; JSON bodies are stringified by the caller so signatures cover the exact bytes. */
  body?: string;
  signal?: AbortSignal;
}

export function serviceUrl(service: ServiceName, path: string): string {
  return `/svc/${service}${path.startsWith("/") ? path : `/${path}`}`;
}

/** Fetches and returns the raw Response for a 2xx answer; throws ApiError otherwise. */
export async function callRaw(
  service: ServiceName | "dashboard",
  url: string,
  options: CallOptions = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? "GET",
      headers: {
        accept: "application/json",
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        ...options.headers,
      },
      body: options.body,
      signal: options.signal,
      cache: "no-store",
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(
      service,
      0,
      "NETWORK",
      "The dashboard server is not answering: is `pithead up` (or `pithead web`) still running?",
    );
  }
  if (response.ok) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const { code, message, details } = describeErrorBody(response.status, body, text);
  const hint = response.status === 401 ? refusedKeyHint(options.headers, code) : undefined;
  throw new ApiError(service, response.status, code, hint ? `${message}: ${hint}` : message, details);
}

export async function callJson<T>(
  service: ServiceName | "dashboard",
  url: string,
  options: CallOptions = {},
): Promise<T> {
  const response = await callRaw(service, url, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The words that name each service in a message ("The coordinator (…) is not answering"). */
const serviceWords: Record<ServiceName, RegExp> = {
  coordinator: /\bcoordinator\b/i,
  fleet: /\bfleet\b/i,
  agent: /\bagent\b/i,
};

/**
 * Whether the message names its service already (the dashboard's proxy says "The coordinator
 * (http://…) is not answering"): then nothing names it again in front ("Coordinator: The coordinator…").
 */
export function namesItsService(error: unknown): boolean {
  return error instanceof ApiError && error.service !== "dashboard" && serviceWords[error.service].test(error.message);
}

/** A readable sentence for any error, for the places that show one: its service named once. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const who = error.service === "dashboard" || namesItsService(error) ? "" : `${serviceLabels[error.service]}: `;
    return `${who}${error.message}`;
  }
  return errorDetail(error);
}

/** The error's own words, for a sentence that names the service itself ("The agent's metrics could not be read: …"). */
export function errorDetail(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
