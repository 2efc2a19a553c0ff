// The CGMiner API transport: one request per TCP connection, the request in one write, the
// reply read until its NUL terminator or until the miner closes the connection. Connect and
// total deadlines are separate so a dead address and a miner that accepts but never answers
// both end in bounded time; a reply over the size cap is cut off rather than buffered forever.

import { connect } from "node:net";

export interface TransportOptions {
  /** Deadline for the TCP handshake, ms. */
  connectTimeoutMs: number;
  /** Deadline for the whole exchange, ms. */
  totalTimeoutMs: number;
  /** Largest reply accepted, bytes. */
  maxReplyBytes: number;
}

export const defaultTransport: TransportOptions = {
  connectTimeoutMs: 2_000,
  totalTimeoutMs: 5_000,
  maxReplyBytes: 4 * 1024 * 1024,
};

export type TransportFailure = "refused" | "connect-timeout" | "timeout" | "reset" | "too-large" | "network";

export type TransportResult =
  | { ok: true; raw: Buffer; elapsedMs: number; terminated: boolean }
  | { ok: false; failure: TransportFailure; message: string; elapsedMs: number; received: number };

/** Sends `payload` to host:port and resolves with the raw reply; never rejects. */
export function exchange(
  host: string,
  port: number,
  payload: string,
  options: TransportOptions,
): Promise<TransportResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let connected = false;
    let settled = false;
    const socket = connect({ host, port });
    socket.setNoDelay(true);

    const finish = (result: TransportResult, linger = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      resolve(result);
      if (!linger || socket.readableEnded) {
        socket.destroy();
        return;
      }
      // The reply is complete at its NUL; let the miner close first, as the protocol has it, so
      // the TIME_WAIT lands on its side, and close anyway soon after if it does not.
      const closer = setTimeout(() => socket.destroy(), 1_000);
      closer.unref();
      socket.once("end", () => {
        clearTimeout(closer);
        socket.end();
      });
    };
    const fail = (failure: TransportFailure, message: string) =>
      finish({ ok: false, failure, message, elapsedMs: performance.now() - started, received });
    const succeed = (terminated: boolean) =>
      finish(
        { ok: true, raw: Buffer.concat(chunks, received), elapsedMs: performance.now() - started, terminated },
        terminated,
      );

    const connectTimer = setTimeout(
      () => fail("connect-timeout", `no TCP connection to ${host}:${port} within ${options.connectTimeoutMs} ms`),
      options.connectTimeoutMs,
    );
    const totalTimer = setTimeout(
      () =>
        fail(
          "timeout",
          `no complete reply from ${host}:${port} within ${options.totalTimeoutMs} ms (${received} bytes received)`,
        ),
      options.totalTimeoutMs,
    );

    socket.once("connect", () => {
      connected = true;
      clearTimeout(connectTimer);
      socket.write(payload);
    });
    socket.on("data", (chunk: Buffer) => {
      const nul = chunk.indexOf(0);
      const useful = nul === -1 ? chunk : chunk.subarray(0, nul);
      received += useful.length;
      if (received > options.maxReplyBytes) {
        fail("too-large", `reply from ${host}:${port} exceeds ${options.maxReplyBytes} bytes`);
        return;
      }
      chunks.push(useful);
      if (nul !== -1) succeed(true);
    });
    socket.once("end", () => {
      if (received > 0) succeed(false);
      else fail("reset", `${host}:${port} closed the connection without a reply`);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") fail("refused", `${host}:${port} refused the connection (API not listening)`);
      else if (!connected && (error.code === "EHOSTUNREACH" || error.code === "ENETUNREACH")) {
        fail("network", `${host}:${port} is unreachable (${error.code})`);
      } else if (received > 0 && error.code === "ECONNRESET") succeed(false);
      else fail(connected ? "reset" : "network", `${host}:${port}: ${error.code ?? error.message}`);
    });
    socket.once("close", () => {
      if (received > 0) succeed(false);
      else fail("reset", `${host}:${port} closed the connection without a reply`);
    });
  });
}
