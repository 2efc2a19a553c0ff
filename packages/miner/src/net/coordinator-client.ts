// The miner's side of the Coordinator API v1 (specs/coordinator-api.md), over fetch. Bearer
// key on every call; the key never appears in an error or log line. HTTP error answers come
// back as CoordinatorError with the envelope's code; no answer at all has status undefined.

export interface MinerCapabilities {
  miner_id: string;
  mode: "gpu" | "cpu";
  gpu: boolean;
  concurrency: number;
  workloads: string[];
  limits: { vram_mb: number; ram_mb: number; max_runtime_s: number };
  models: string[];
  gpus: { name: string; memory_mb: number }[];
  public_key: string;
  region?: string;
}

export interface HeartbeatBody {
  miner_id: string;
  wallet: string;
  mode: "gpu" | "cpu";
  gpu: boolean;
  capabilities: MinerCapabilities;
  /** The jobs this miner holds: running, or with a result not yet delivered. */
  jobs?: string[];
  /** `jobs` is everything this miner holds: the coordinator gives its other leases back. */
  jobs_complete?: boolean;
  /** Sent (true) during the shutdown grace: the coordinator hands this miner no new job. */
  stopping?: boolean;
}

export interface HeartbeatAnswer {
  ok: boolean;
  server_time?: string;
  leases_renewed?: number;
  status?: string;
  /** Jobs in `jobs` whose lease this miner no longer holds, with why (JOB_CANCELED, LEASE_EXPIRED, ...). */
  lost_jobs?: { id: string; reason: string }[];
  /** Leases given back because a complete `jobs` did not list them. */
  released_jobs?: string[];
  /** The coordinator's disk is full: it refuses proofs and fails (507) until it says false. */
  storage_full?: boolean;
  /** The largest output the coordinator takes inline with a proof. */
  max_output_bytes?: number;
}

export interface LeasedJob {
  id: string;
  workload: string;
  params: unknown;
  lease_expires_at: string;
  attempt: number;
  max_runtime_s: number;
  lease_token?: string;
}

export interface RawAnswer {
  status: number;
  body: unknown;
}

export class CoordinatorError extends Error {
  /** undefined: no HTTP answer (refused, reset, timed out). */
  readonly status: number | undefined;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  /** From a 429/503 Retry-After header. */
  readonly retryAfterMs: number | undefined;
  constructor(
    status: number | undefined,
    code: string,
    message: string,
    details?: Record<string, unknown>,
    retryAfterMs?: number,
  ) {
    super(message);
    this.name = "CoordinatorError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }
}

export interface CoordinatorClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Per-request deadline beyond any long-poll wait, ms (default 30 000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

function envelope(body: unknown): { code?: string; message?: string; details?: Record<string, unknown> } {
  if (typeof body !== "object" || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return {};
  const e = error as { code?: unknown; message?: unknown; details?: unknown };
  return {
    code: typeof e.code === "string" ? e.code : undefined,
    message: typeof e.message === "string" ? e.message : undefined,
    details: typeof e.details === "object" && e.details !== null ? (e.details as Record<string, unknown>) : undefined,
  };
}

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * What to say when a URL built on `baseUrl` is not found and the base already ends in /v1: the
 * miner adds /v1 itself, so such a COORD_URL asks for /v1/v1/... (undefined otherwise).
 */
export function versionedBaseHint(baseUrl: string): string | undefined {
  if (!/\/v1\/*$/.test(baseUrl)) return undefined;
  return `COORD_URL ends in /v1, and the miner adds /v1 itself: set it to the coordinator's root, ${baseUrl.replace(/\/v1\/*$/, "")}`;
}

const inParens = (hint: string | undefined) => (hint === undefined ? "" : ` (${hint})`);

/** Checks the shape of a job handed out by `next`; returns why it is unusable, if it is. */
export function jobProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "the job is not a JSON object";
  const job = value as Record<string, unknown>;
  if (typeof job.id !== "string" || job.id === "") return "job.id is missing";
  if (typeof job.workload !== "string" || job.workload === "") return "job.workload is missing";
  if (typeof job.max_runtime_s !== "number" || !Number.isInteger(job.max_runtime_s) || job.max_runtime_s < 1) {
    return "job.max_runtime_s must be a positive integer";
  }
  if (job.lease_token !== undefined && typeof job.lease_token !== "string") return "job.lease_token must be a string";
  return undefined;
}

export class CoordinatorClient {
  readonly #base: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: CoordinatorClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /** One request; HTTP answers of any status resolve, only a missing answer throws (status undefined). */
  async request(
    method: "GET" | "POST",
    path: string,
    options: { body?: unknown; idempotencyKey?: string; signal?: AbortSignal; extraTimeoutMs?: number } = {},
  ): Promise<RawAnswer & { headers: Headers }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept: "application/json" };
    if (options.body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    const deadline = AbortSignal.timeout(this.#timeoutMs + (options.extraTimeoutMs ?? 0));
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = deadline.aborted ? "timed out" : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new CoordinatorError(undefined, "UNREACHABLE", `coordinator ${this.#base} unreachable (${why})`);
    }
    const text = await response.text().catch(() => "");
    let body: unknown = text;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page): kept as text for the error message.
      }
    }
    return { status: response.status, body, headers: response.headers };
  }

  /** The coordinator's base URL as configured (COORD_URL, trailing slashes dropped). */
  get baseUrl(): string {
    return this.#base;
  }

  /** The URL a request for `path` goes to, as logs should name it (without the query). */
  urlOf(path: string): string {
    return `${this.#base}${path.split("?")[0]}`;
  }

  #error(method: string, path: string, answer: RawAnswer & { headers: Headers }): CoordinatorError {
    const e = envelope(answer.body);
    const code = e.code ?? `HTTP_${answer.status}`;
    const message = e.message ?? (typeof answer.body === "string" ? answer.body.slice(0, 200) : "");
    return new CoordinatorError(
      answer.status,
      code,
      `${method} ${this.urlOf(path)} answered ${answer.status} ${code}${message ? `: ${message}` : ""}${answer.status === 404 ? inParens(versionedBaseHint(this.#base)) : ""}`,
      e.details,
      retryAfter(answer.headers.get("retry-after")),
    );
  }

  async heartbeat(body: HeartbeatBody, signal?: AbortSignal): Promise<HeartbeatAnswer> {
    const answer = await this.request("POST", "/v1/miner/heartbeat", { body, signal });
    if (answer.status < 200 || answer.status >= 300) throw this.#error("POST", "/v1/miner/heartbeat", answer);
    return (typeof answer.body === "object" && answer.body !== null ? answer.body : { ok: true }) as HeartbeatAnswer;
  }

  /** One job, or undefined when there is none (204, or a body without an id as the seed treats it). */
  async next(
    query: { miner: string; slots: number; wait: number; done?: readonly string[] },
    signal?: AbortSignal,
  ): Promise<LeasedJob | undefined> {
    // done: finished jobs whose proofs are on the way (a coordinator that does not know it ignores it).
    const done = query.done && query.done.length > 0 ? `&done=${query.done.join(",")}` : "";
    const path = `/v1/miner/next?miner=${encodeURIComponent(query.miner)}&slots=${query.slots}&wait=${query.wait}${done}`;
    const answer = await this.request("GET", path, { signal, extraTimeoutMs: query.wait * 1000 });
    if (answer.status === 204) return undefined;
    if (answer.status < 200 || answer.status >= 300) throw this.#error("GET", path, answer);
    const body = answer.body as { id?: unknown } | null;
    if (typeof body !== "object" || body === null || body.id === undefined) return undefined;
    const problem = jobProblem(body);
    if (problem)
      throw new CoordinatorError(
        answer.status,
        "BAD_JOB",
        `GET /v1/miner/next handed out an unusable job: ${problem}`,
        { job: body },
      );
    return body as LeasedJob;
  }

  /** A proof or fail POST for the outbox: every HTTP answer resolves, so the outbox can judge it. */
  async deliver(
    path: "/v1/miner/proof" | "/v1/miner/fail",
    body: unknown,
    idempotencyKey: string,
  ): Promise<RawAnswer & { code?: string; details?: Record<string, unknown>; retryAfterMs?: number }> {
    const answer = await this.request("POST", path, { body, idempotencyKey });
    const e = envelope(answer.body);
    return {
      status: answer.status,
      body: answer.body,
      code: e.code,
      details: e.details,
      retryAfterMs: retryAfter(answer.headers.get("retry-after")),
    };
  }
}
