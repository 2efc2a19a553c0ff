// Calls to the agent from the test console: the base URL is where this page came from (so it
// works behind a path prefix and inside the dashboard's iframe), the key lives in sessionStorage
// only (never in the URL), and every call reports its status and execution time.

export interface CallResult {
  ok: boolean;
  status: number;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
  elapsedMs: number;
}

const KEY_STORAGE = "pithead-agent-api-key";

/** The API root: the page is served at `<root>/ui`. */
export const apiBase = new URL(".", window.location.href);

export function storedKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? "";
}

export function storeKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** Told after every call but /health's own (the console refreshes its health badge then). */
let afterCall: ((path: string) => void) | undefined;
export function afterEachCall(listener: (path: string) => void): void {
  afterCall = listener;
}

export async function call(method: string, path: string, body?: unknown): Promise<CallResult> {
  const result = await send(method, path, body);
  if (path !== "/health") afterCall?.(path);
  return result;
}

async function send(method: string, path: string, body?: unknown): Promise<CallResult> {
  const headers: Record<string, string> = { accept: "application/json" };
  const key = storedKey();
  if (key) headers["x-api-key"] = key;
  if (body !== undefined) headers["content-type"] = "application/json";
  const started = performance.now();
  try {
    const response = await fetch(new URL(path.replace(/^\//, ""), apiBase), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (e.g. /metrics): show the text.
    }
    return { ok: response.ok, status: response.status, body: parsed, elapsedMs: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      status: 0,
      body: { detail: `Network error: ${message}` },
      elapsedMs: performance.now() - started,
    };
  }
}
