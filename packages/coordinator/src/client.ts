// A small HTTP client for the Coordinator API v1: the CLI, the benchmark and other services use it.
// Errors keep the server's envelope (code, message, details).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  BalanceResponse,
  CreatedKeyResponse,
  JobResult,
  JobView,
  KeyView,
  ReceiptKeyResponse,
  SubmitJobRequest,
} from "./schemas/index.ts";

export class CoordinatorApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "CoordinatorApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface RequestOptions {
  key?: string | undefined;
  body?: unknown;
  idempotencyKey?: string | undefined;
  signal?: AbortSignal;
}

export class CoordinatorClient {
  readonly url: string;
  readonly key: string | undefined;

  constructor(url: string, key?: string) {
    this.url = url.replace(/\/+$/, "");
    this.key = key;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    const key = options.key ?? this.key;
    if (key) headers.authorization = `Bearer ${key}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new CoordinatorApiError(
        0,
        "UNREACHABLE",
        `cannot reach the coordinator at ${this.url}${cause ? ` (${cause})` : ""}`,
      );
    }
    const text = await response.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new CoordinatorApiError(
          response.status,
          "NOT_JSON",
          `the server at ${this.url} did not answer with JSON`,
        );
      }
    }
    if (response.status >= 400) {
      const envelope = (
        body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null
      )?.error;
      throw new CoordinatorApiError(
        response.status,
        envelope?.code ?? `HTTP_${response.status}`,
        envelope?.message ?? `HTTP ${response.status}`,
        envelope?.details,
      );
    }
    return { status: response.status, body: body as T };
  }

  async createKey(input: { role: string; label?: string; wallet?: string }): Promise<CreatedKeyResponse> {
    return (await this.request<CreatedKeyResponse>("POST", "/v1/admin/keys", { body: input })).body;
  }

  async listKeys(): Promise<KeyView[]> {
    return (await this.request<{ keys: KeyView[] }>("GET", "/v1/admin/keys")).body.keys;
  }

  async revokeKey(id: string): Promise<KeyView> {
    return (await this.request<KeyView>("DELETE", `/v1/admin/keys/${encodeURIComponent(id)}`)).body;
  }

  async fund(address: string, amount: number, idempotencyKey?: string): Promise<{ address: string; balance: number }> {
    return (
      await this.request<{ address: string; balance: number }>(
        "POST",
        `/v1/admin/wallets/${encodeURIComponent(address)}/fund`,
        {
          body: { amount },
          idempotencyKey,
        },
      )
    ).body;
  }

  async balance(address?: string): Promise<BalanceResponse> {
    const query = address ? `?address=${encodeURIComponent(address)}` : "";
    return (await this.request<BalanceResponse>("GET", `/v1/wallet/balance${query}`)).body;
  }

  async submit(job: SubmitJobRequest, idempotencyKey?: string): Promise<JobView> {
    return (await this.request<JobView>("POST", "/v1/jobs", { body: job, idempotencyKey })).body;
  }

  async job(id: string): Promise<JobView> {
    return (await this.request<JobView>("GET", `/v1/jobs/${encodeURIComponent(id)}`)).body;
  }

  async result(id: string): Promise<JobResult> {
    return (await this.request<JobResult>("GET", `/v1/jobs/${encodeURIComponent(id)}/result`)).body;
  }

  async receiptKey(): Promise<ReceiptKeyResponse> {
    return (await this.request<ReceiptKeyResponse>("GET", "/v1/keys/receipts")).body;
  }

  /** Server-sent events of one job: calls `onEvent` for each, resolves when the stream ends. */
  async watch(
    id: string,
    onEvent: (event: { event: string; data: unknown }) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const response = await fetch(`${this.url}/v1/jobs/${encodeURIComponent(id)}/events`, {
      headers: this.key ? { authorization: `Bearer ${this.key}` } : {},
      ...(signal ? { signal } : {}),
    });
    if (response.status !== 200 || !response.body) {
      const envelope = (await response.json().catch(() => null)) as {
        error?: { code: string; message: string };
      } | null;
      throw new CoordinatorApiError(
        response.status,
        envelope?.error?.code ?? "HTTP",
        envelope?.error?.message ?? "stream refused",
      );
    }
    await readEventStream(response.body, onEvent);
  }
}

/** Parses a text/event-stream body into events (event name and JSON data). */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: { event: string; data: unknown }) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent({ event, data: JSON.parse(data.join("\n")) });
      end = buffer.indexOf("\n\n");
    }
  }
}

/** Where the CLI finds the coordinator: flag, PITHEAD_URL, the seed's COORD_URL, else the local default. */
export function coordinatorUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.PITHEAD_URL ?? env.COORD_URL ?? "http://127.0.0.1:8080";
}

/**
 * The admin key for CLI commands on the coordinator's host: the flag, PITHEAD_ADMIN_KEY, or the
 * `admin.key` file the coordinator wrote into its data directory on first start.
 */
export function adminKeyFrom(
  flag: string | undefined,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (flag) return flag;
  if (env.PITHEAD_ADMIN_KEY) return env.PITHEAD_ADMIN_KEY;
  try {
    return readFileSync(join(dataDir, "admin.key"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
