import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { ErrorRegistry } from "./errors.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Aborted when the server starts closing: long-polls and event streams end on it. */
    closing: AbortSignal;
  }
}

export function installClosingSignal(app: FastifyInstance, errors: ErrorRegistry<string>): void {
  const controller = new AbortController();
  app.decorate("closing", controller.signal);
  // A request that arrives while the server closes (a keep-alive client that had not yet seen
  // "Connection: close") is refused in the server's own error format, with when to come back.
  // Registered before authentication, so it is the first thing such a request meets.
  app.addHook("onRequest", async () => {
    if (!controller.signal.aborted) return;
    throw errors.error("UNAVAILABLE", { reason: "shutting_down" }, "The server is shutting down; retry shortly", {
      "retry-after": "5",
    });
  });
  // Connections that have not sent a request yet. Node's server.close() leaves them open (they are
  // neither idle keep-alives nor busy), so one silent client would hold a graceful stop until the
  // headers timeout; they are cut when closing begins, and any that arrive later at once.
  const silent = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    if (controller.signal.aborted) {
      socket.destroy();
      return;
    }
    silent.add(socket);
    socket.once("close", () => silent.delete(socket));
  });
  app.server.on("request", (request: IncomingMessage) => silent.delete(request.socket));
  // preClose runs before Fastify waits for in-flight requests, so held long-polls can answer now.
  app.addHook("preClose", async () => {
    controller.abort();
    for (const socket of silent) socket.destroy();
    silent.clear();
  });
  // The server closed its idle keep-alive connections when closing began; a connection whose
  // request is answered after that would stay open, idle, until its keep-alive timeout.
  // "Connection: close" ends it with the answer.
  app.addHook("onSend", async (_request, reply) => {
    if (controller.signal.aborted) void reply.header("connection", "close");
  });
}

/**
 * Stops on SIGTERM/SIGINT: no new connections, in-flight requests finish, onClose hooks flush
 * stores; a second signal or the timeout forces the exit. Returns a function that removes the handlers.
 */
export function closeOnSignals(app: FastifyInstance, options: { timeoutMs?: number; exit?: boolean } = {}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      app.log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs }, "graceful shutdown timed out");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app.close().then(
      () => {
        clearTimeout(timer);
        if (options.exit !== false) process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  return () => {
    process.off("SIGTERM", handler);
    process.off("SIGINT", handler);
  };
}
