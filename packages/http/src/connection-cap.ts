// A cap on the connections one server holds open. Without one, sockets a client opens and leaves
// idle use up the process's open-file limit: `pithead up` runs four servers in one process, and at
// the limit none of them could accept a connection, nor the fleet open one to poll its miners.
// Past the cap Node closes a new connection at once and emits 'drop'; those already open are served
// as usual.
import type { DropArgument, Server } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { LogThrottle } from "./log-throttle.ts";

/**
 * Open files kept out of every server's share: the fleet's outgoing polls (256 at once by default),
 * database, ledger and log files, calls to an LLM backend or a price feed.
 */
export const RESERVED_OPEN_FILES = 512;
/**
 * The rest is split in five: `pithead up` runs four servers in one process, and the dashboard holds
 * two files per proxied connection (the browser's and its own to the service).
 */
export const CONNECTION_SHARES = 5;
/** Where /proc cannot say (macOS, Windows): the usual default soft limit. */
export const ASSUMED_OPEN_FILE_LIMIT = 1024;
/** Below this a server would refuse its own operator's dashboard and CLI; a tiny limit is the operator's to raise. */
const MIN_CONNECTIONS = 64;
export const REFUSED_CONNECTIONS_LOG_EVERY_MS = 60_000;

/** The default cap for one server of a process with `openFileLimit` open files (see the README). */
export function defaultMaxConnections(openFileLimit: number | undefined): number {
  const limit = openFileLimit ?? ASSUMED_OPEN_FILE_LIMIT;
  return Math.max(MIN_CONNECTIONS, Math.floor((limit - RESERVED_OPEN_FILES) / CONNECTION_SHARES));
}

/** Caps `server` at `maxConnections`; refusals are logged once, then at most once a minute with a count. */
export function installConnectionCap(server: Server, maxConnections: number, log: FastifyBaseLogger): void {
  if (!Number.isInteger(maxConnections) || maxConnections < 1)
    throw new Error(`maxConnections must be a whole number of at least 1, got ${maxConnections}`);
  server.maxConnections = maxConnections;
  const throttle = new LogThrottle({ everyMs: REFUSED_CONNECTIONS_LOG_EVERY_MS });
  server.on("drop", (dropped?: DropArgument) => {
    const suppressed = throttle.take();
    if (suppressed === undefined) return;
    log.warn(
      {
        max_connections: maxConnections,
        ...(dropped?.remoteAddress ? { remote_address: dropped.remoteAddress } : {}),
        ...(suppressed > 0 ? { suppressed } : {}),
      },
      `connection refused: ${maxConnections} connections are open, this server's cap` +
        (suppressed > 0 ? ` (${suppressed} more refused since the last line)` : "") +
        "; the cap follows the open-file limit (ulimit -n, LimitNOFILE)",
    );
  });
}
