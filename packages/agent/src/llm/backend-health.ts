// What /health says of the model backend, without calling the model on every probe: how the last
// model call went or, when none came in the last 30 s, a cheap check (an HTTP server's model list,
// no tokens spent), shared by concurrent probes and bounded in time. The newest observation wins:
// under traffic the calls speak, when idle the check does.

import { HttpError } from "@pithead/http";
import type { ChatModel } from "./chat-model.ts";
import { classifyLlmError } from "./llm-errors.ts";

export interface BackendReport {
  /** "unknown": nothing observed yet (no call, no check, or a model that cannot be checked). */
  status: "ok" | "failing" | "unknown";
  /** What failed, in the words the API answers a call with. */
  detail?: string;
  /** When it was observed, and by what. */
  checked_at?: string;
  source?: "request" | "check";
}

export interface BackendHealth {
  /** The model, its calls observed. */
  model: ChatModel;
  /** The backend as last observed, checked first if that is older than `freshMs`. */
  report(): Promise<BackendReport>;
  /** Checks now (at start: an HTTP server's context window is learned before the first request). */
  check(): Promise<void>;
}

export interface BackendHealthOptions {
  now: () => Date;
  /** How old an observation may be before /health checks again (default 30 s). */
  freshMs?: number;
  /** Longest a check may take (default 5 s): /health answers within it. */
  checkTimeoutMs?: number;
  /**
   * Told when the backend starts failing, or fails differently (not on every probe), with the
   * provider's own words, which /health does not show.
   */
  onFailure?: (failure: { detail: string; cause: string; source: "request" | "check" }) => void;
}

interface Observation {
  ok: boolean;
  detail?: string;
  at: Date;
  source: "request" | "check";
}

interface Failure {
  /** Generic: what /health shows. */
  detail: string;
  /** The provider's message: what the log shows. */
  cause: string;
}

/** A failed call that says something about the backend (not a full queue, a client gone, a long input). */
function backendFailure(error: unknown): Failure | undefined {
  const failure = classifyLlmError(error);
  return failure && (failure.status === 502 || failure.status === 504)
    ? { detail: failure.detail, cause: failure.log }
    : undefined;
}

/**
 * A call still running when its request's deadline (REQUEST_TIMEOUT) aborted it: the backend did
 * not answer in time. The deadline fires first (the provider's own timeout is the time left), so
 * without this a stuck server whose model list still answers kept /health "healthy". A client that
 * went away or a shutdown is not the backend's doing.
 */
function deadlineFailure(signal: AbortSignal | undefined): Failure | undefined {
  const reason: unknown = signal?.aborted ? signal.reason : undefined;
  if (!(reason instanceof HttpError) || reason.code !== "REQUEST_TIMEOUT") return undefined;
  return {
    detail: "LLM backend did not answer in time",
    cause: `no answer before the request deadline: ${reason.message}`,
  };
}

/** A failed check: whatever it threw says the backend cannot serve. */
function checkFailure(error: unknown): Failure {
  const cause = error instanceof Error ? error.message : String(error);
  const failure = classifyLlmError(error);
  return failure ? { detail: failure.detail, cause: failure.log } : { detail: "LLM backend check failed", cause };
}

export function createBackendHealth(model: ChatModel, options: BackendHealthOptions): BackendHealth {
  const freshMs = options.freshMs ?? 30_000;
  const checkTimeoutMs = options.checkTimeoutMs ?? 5_000;
  let last: Observation | undefined;
  let checking: Promise<void> | undefined;

  const observe = (ok: boolean, source: Observation["source"], failure?: Failure) => {
    const news = failure !== undefined && (last === undefined || last.ok || last.detail !== failure.detail);
    last = { ok, source, at: options.now(), ...(failure === undefined ? {} : { detail: failure.detail }) };
    if (news) options.onFailure?.({ detail: failure.detail, cause: failure.cause, source });
  };

  const check = () => {
    const run = model.check;
    if (!run) return Promise.resolve();
    checking ??= run
      .call(model, { timeoutMs: checkTimeoutMs })
      .then(
        () => observe(true, "check"),
        (error: unknown) => observe(false, "check", checkFailure(error)),
      )
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  const observed: ChatModel = {
    info: () => model.info(),
    async generate(request) {
      try {
        const result = await model.generate(request);
        observe(true, "request");
        return result;
      } catch (error) {
        const failure = backendFailure(error) ?? deadlineFailure(request.signal);
        if (failure !== undefined) observe(false, "request", failure);
        throw error;
      }
    },
    ...(model.measure ? { measure: model.measure.bind(model) } : {}),
    ...(model.check ? { check: model.check.bind(model) } : {}),
  };

  return {
    model: observed,
    check,
    async report() {
      if (!last || options.now().getTime() - last.at.getTime() >= freshMs) await check();
      if (!last) return { status: "unknown" };
      return {
        status: last.ok ? "ok" : "failing",
        ...(last.detail === undefined ? {} : { detail: last.detail }),
        checked_at: last.at.toISOString(),
        source: last.source,
      };
    },
  };
}
