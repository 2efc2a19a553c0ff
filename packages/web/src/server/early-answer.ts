// A service may answer before it has read the whole request body (a 413 for a body over its limit
// is sent as soon as the Content-Length is seen) and then close its end. Writing the rest of the
// body then fails (EPIPE, ECONNRESET), and Node destroys the socket on that failed write, before the
// answer already waiting in it is read: the browser got "not answering: EPIPE" instead of the 413.

import type { Socket } from "node:net";

const REFUSED = new Set(["EPIPE", "ECONNRESET"]);

type WriteCallback = (error?: Error | null) => void;

/**
 * Makes `socket` drop the rest of a body the peer no longer reads, instead of failing on it, so
 * that the peer's answer is still read. If no answer comes, the socket's end still fails the request.
 */
export function keepReadingWhenBodyRefused(socket: Socket): void {
  let refused = false;
  const settle =
    (callback: WriteCallback): WriteCallback =>
    (error) => {
      if (error && REFUSED.has((error as NodeJS.ErrnoException).code ?? "")) {
        refused = true;
        callback();
      } else callback(error);
    };
  // Writable's own hooks: what the socket calls for each write it performs.
  const write = socket._write.bind(socket);
  const writev = socket._writev?.bind(socket);
  socket._write = (chunk, encoding, callback) => (refused ? callback() : write(chunk, encoding, settle(callback)));
  if (writev) socket._writev = (chunks, callback) => (refused ? callback() : writev(chunks, settle(callback)));
}
