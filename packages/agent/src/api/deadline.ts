// The request deadline (REQUEST_TIMEOUT, 60 s by default): past it the client gets
// `504 {"detail":"Request timeout after 60 seconds"}` and the work's signal is aborted, which
// stops the model's generation. A client that disconnects aborts the work too.

import type { FastifyReply, FastifyRequest } from "fastify";
import { agentErrors } from "./errors.ts";

export interface Deadline {
  signal: AbortSignal;
  timeLeftMs: () => number;
}

export function timeoutDetail(timeoutMs: number): string {
  return `Request timeout after ${Number((timeoutMs / 1000).toFixed(3))} seconds`;
}

export async function withDeadline<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  timeoutMs: number,
  work: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const started = performance.now();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error("client disconnected"));
  };
  reply.raw.once("close", onClose);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = agentErrors.error("REQUEST_TIMEOUT", undefined, timeoutDetail(timeoutMs));
      controller.abort(error);
      request.log.warn({ timeoutMs, url: request.url }, "request timed out");
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      work({ signal: controller.signal, timeLeftMs: () => timeoutMs - (performance.now() - started) }),
      expired,
    ]);
  } finally {
    clearTimeout(timer);
    reply.raw.off("close", onClose);
  }
}
