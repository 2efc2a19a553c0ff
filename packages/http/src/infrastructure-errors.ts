// A request that failed because of the server's surroundings, not a bug: its database cannot be
// reached (down, restarting, out of connections, the network between them gone) — 503 with
// Retry-After, the client may try again —, or its disk is full — 507, until an operator frees
// space. Either is answered as what it is instead of a 500 "Internal error".

/** The network errors of a connection that cannot be opened or was lost. */
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE"]);

/** PostgreSQL's SQLSTATEs for the same: shutting down, starting up, or out of connection slots. */
const SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** What pg says, without a code, about a connection it lost or could not get from its pool. */
const MESSAGES = [
  /^Connection terminated/,
  /not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Client was closed/,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (NETWORK.has(code) || SQLSTATES.has(code)) return true;
    // Class 08: connection exception.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return typeof message === "string" && MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * SQLite's "database or disk is full" (SQLITE_FULL), PostgreSQL's disk_full (53100), or the file
 * system's ENOSPC / EDQUOT.
 */
export function isStorageFull(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const { code, errcode, message } = error as { code?: unknown; errcode?: unknown; message?: unknown };
  if (code === "ENOSPC" || code === "EDQUOT" || code === "53100" || errcode === 13) return true;
  return typeof message === "string" && /database or disk is full|no space left on device/i.test(message);
}
