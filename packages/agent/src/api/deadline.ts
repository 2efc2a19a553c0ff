// The request deadline (REQUEST_TIMEOUT, 60 s by default): past it the client gets
// `504 {"detail":"Request timeout after 60 seconds"}` and the work's signal is aborted, which
// stops the model's generation. A client that disconnects aborts the work too (logged at info:
// nothing failed on our side).
// A shutdown that stops waiting (the cutoff, see start-agent.ts) aborts the work with a
// `503 {"detail":…}` and Retry-After instead: the client learns to retry, and a request that had
// already got its answer and was storing it finishes (its 200 goes out, nothing is half-stored).

import { HttpError } from "@pithead/http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { agentErrors, timeoutDetail } from "./errors.ts";

export interface Deadline {
  signal: AbortSignal;
  timeLeftMs: () => number;
}

export interface DeadlineLimits {
  timeoutMs: number;
  /** Aborted when a shutdown stops waiting for requests in flight. */
  cutoff: AbortSignal;
}

/** How long cut-off work has to notice its signal before it is answered for anyway. */
const CUTOFF_GRACE_MS = 1000;

/** Seconds a client should wait before retrying a request refused by a shutdown (a restart). */
export const SHUTDOWN_RETRY_AFTER_S = 5;

export function shuttingDown(): HttpError {
  return agentErrors.error("SHUTTING_DOWN", undefined, undefined, { "retry-after": String(SHUTDOWN_RETRY_AFTER_S) });
}

export async function withDeadline<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  limits: DeadlineLimits,
  work: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  const { timeoutMs, cutoff } = limits;
  const controller = new AbortController();
  const started = performance.now();
  const onClose = () => {
    if (reply.raw.writableFinished) return;
    // Not a failure of ours: the work stops, and the log says so without an error and a stack.
    request.log.info({ url: request.url }, "client went away; its work is stopped");
    controller.abort(agentErrors.error("CLIENT_GONE"));
  };
  reply.raw.once("close", onClose);
  const timers: NodeJS.Timeout[] = [];
  let onCutoff: (() => void) | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    timers.push(
      setTimeout(() => {
        const error = agentErrors.error("REQUEST_TIMEOUT", undefined, timeoutDetail(timeoutMs));
        controller.abort(error);
        request.log.warn({ timeoutMs, url: request.url }, "request timed out");
        reject(error);
      }, timeoutMs),
    );
    onCutoff = () => {
      const error = shuttingDown();
      controller.abort(error);
      request.log.warn({ url: request.url }, "request cut off by the shutdown");
      timers.push(setTimeout(() => reject(error), CUTOFF_GRACE_MS));
    };
  });
  if (cutoff.aborted) onCutoff?.();
  else if (onCutoff) cutoff.addEventListener("abort", onCutoff, { once: true });
  try {
    return await Promise.race([
      work({ signal: controller.signal, timeLeftMs: () => timeoutMs - (performance.now() - started) }),
      stopped,
    ]);
  } catch (error) {
    // Work that stopped because its signal fired says so in its own words (an aborted model call);
    // the client gets the reason the signal fired for.
    const reason: unknown = controller.signal.reason;
    if (controller.signal.aborted && reason instanceof HttpError) throw reason;
    throw error;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (onCutoff) cutoff.removeEventListener("abort", onCutoff);
    reply.raw.off("close", onClose);
  }
}
