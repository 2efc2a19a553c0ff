// The CGMiner API transport: one request per TCP connection, the request in one write, the
// reply read until its NUL terminator or until the miner closes the connection. Connect and
// total deadlines are separate so a dead address and a miner that accepts but never answers
// both end in bounded time; a reply over the size cap is cut off rather than buffered forever.
//
// A poll of a large fleet keeps hundreds of exchanges in flight and opens tens of thousands of
// connections a cycle, so the per-connection work is kept small: no timer per connection (one
// shared sweep watches every deadline), a single-chunk reply (the usual case) is used as it
// arrived, and the socket is closed as soon as the miner's own close has been seen.

import { connect, type Socket } from "node:net";
import { DeadlineSweep } from "./deadline-sweep.ts";
import { foreignReply } from "./foreign-reply.ts";

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

export type TransportFailure =
  | "refused"
  | "connect-timeout"
  | "timeout"
  | "reset"
  | "too-large"
  | "network"
  /** It answered, but as a web server or an echo does (foreign-reply.ts). */
  | "not-cgminer";

export type TransportResult =
  | { ok: true; raw: Buffer; elapsedMs: number; terminated: boolean }
  | { ok: false; failure: TransportFailure; message: string; elapsedMs: number; received: number };

/** How long a socket whose reply is complete waits for the miner to close first. */
const lingerMs = 1_000;

const sweep = new DeadlineSweep();

/** Sends `payload` to host:port and resolves with the raw reply; never rejects. */
export function exchange(
  host: string,
  port: number,
  payload: string,
  options: TransportOptions,
): Promise<TransportResult> {
  const started = performance.now();
  const connectDeadline = started + options.connectTimeoutMs;
  const totalDeadline = started + options.totalTimeoutMs;
  return new Promise((resolve) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let received = 0;
    let connected = false;
    let settled = false;
    const socket: Socket = connect({ host, port, noDelay: true });

    const finish = (result: TransportResult, linger: boolean) => {
      if (settled) return;
      settled = true;
      resolve(result);
      if (!linger || socket.readableEnded) {
        sweep.remove(watch);
        socket.destroy();
        return;
      }
      // The reply is complete at its NUL; let the miner close first, as the protocol has it, so
      // the TIME_WAIT lands on its side, and close anyway soon after if it does not.
      watch.deadline = performance.now() + lingerMs;
      sweep.add(watch); // moved earlier: the sweep may need to run sooner
    };
    const fail = (failure: TransportFailure, message: string) =>
      finish({ ok: false, failure, message, elapsedMs: performance.now() - started, received }, false);
    const succeed = (terminated: boolean) => {
      const raw = chunks ? Buffer.concat(chunks, received) : (first ?? Buffer.alloc(0));
      finish({ ok: true, raw, elapsedMs: performance.now() - started, terminated }, terminated);
    };

    const watch = {
      deadline: Math.min(connectDeadline, totalDeadline),
      expire(now: number) {
        if (settled)
          socket.destroy(); // lingered long enough
        else if (!connected && now >= connectDeadline && connectDeadline <= totalDeadline) {
          fail("connect-timeout", `no TCP connection to ${host}:${port} within ${options.connectTimeoutMs} ms`);
        } else if (now >= totalDeadline) {
          fail(
            "timeout",
            `no complete reply from ${host}:${port} within ${options.totalTimeoutMs} ms (${received} bytes received)`,
          );
        } else {
          watch.deadline = totalDeadline;
          return false; // connected in time: watch the total deadline from now on
        }
        return true;
      },
    };
    sweep.add(watch);

    socket.once("connect", () => {
      connected = true;
      watch.deadline = totalDeadline;
      socket.write(payload);
    });
    socket.on("data", (chunk: Buffer) => {
      if (settled) return;
      const nul = chunk.indexOf(0);
      const useful = nul === -1 ? chunk : chunk.subarray(0, nul);
      received += useful.length;
      if (received > options.maxReplyBytes) {
        fail("too-large", `reply from ${host}:${port} exceeds ${options.maxReplyBytes} bytes`);
        return;
      }
      if (first === undefined) first = useful;
      else {
        chunks ??= [first];
        chunks.push(useful);
      }
      if (nul !== -1) succeed(true);
      else if (chunks === undefined || received <= payload.length) {
        // Not ended yet: an HTTP status line (first chunk) or an echo (as long as the request) says so at once.
        const foreign = foreignReply(chunks ? Buffer.concat(chunks, received) : first, payload);
        if (foreign) fail("not-cgminer", `${host}:${port} ${foreign}`);
      }
    });
    socket.once("end", () => {
      if (settled) {
        // The miner closed after its reply: close our side now.
        sweep.remove(watch);
        socket.destroy();
      } else if (received > 0) succeed(false);
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
      sweep.remove(watch);
      if (received > 0) succeed(false);
      else fail("reset", `${host}:${port} closed the connection without a reply`);
    });
  });
}
