// What /health says of the model backend, without calling the model on every probe: how the last
// model call went or, when none came in the last 30 s, a cheap check (an HTTP server's model list,
// no tokens spent), shared by concurrent probes and bounded in time. The newest observation wins:
// under traffic the calls speak, when idle the check does.

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
}

interface Observation {
  ok: boolean;
  detail?: string;
  at: Date;
  source: "request" | "check";
}

/** A failed call that says something about the backend (not a full queue, a client gone, a long input). */
function backendFailure(error: unknown): string | undefined {
  const failure = classifyLlmError(error);
  return failure && (failure.status === 502 || failure.status === 504) ? failure.detail : undefined;
}

export function createBackendHealth(model: ChatModel, options: BackendHealthOptions): BackendHealth {
  const freshMs = options.freshMs ?? 30_000;
  const checkTimeoutMs = options.checkTimeoutMs ?? 5_000;
  let last: Observation | undefined;
  let checking: Promise<void> | undefined;

  const observe = (ok: boolean, source: Observation["source"], detail?: string) => {
    last = { ok, source, at: options.now(), ...(detail === undefined ? {} : { detail }) };
  };

  const check = () => {
    const run = model.check;
    if (!run) return Promise.resolve();
    checking ??= run
      .call(model, { timeoutMs: checkTimeoutMs })
      .then(
        () => observe(true, "check"),
        (error: unknown) =>
          observe(false, "check", classifyLlmError(error)?.detail ?? (error as Error).message ?? String(error)),
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
        const detail = backendFailure(error);
        if (detail !== undefined) observe(false, "request", detail);
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
