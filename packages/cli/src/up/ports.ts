// Checks that every port `pithead up` needs is free before it starts anything, so a port in use
// is one clear line naming the flag to change, not a half-started stack.

import { createServer } from "node:net";

export interface PortWanted {
  port: number;
  /** What uses it, e.g. "the coordinator". */
  what: string;
  flag: string;
}

export function portFree(host: string, port: number): Promise<true | string> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Every port in use as one sentence per line (so an operator with two services already running
 * frees both at once), or undefined when every port is free. An address that is not this
 * machine's is one line on its own: every port would fail the same way.
 */
export async function portProblem(host: string, wanted: readonly PortWanted[]): Promise<string | undefined> {
  const problems: string[] = [];
  for (const { port, what, flag } of wanted) {
    const free = await portFree(host, port);
    if (free === true) continue;
    if (free === "EADDRNOTAVAIL") return `cannot listen on ${host}: no such address on this machine (--host)`;
    if (free === "EADDRINUSE")
      problems.push(
        `port ${port} on ${host} (${what}) is already in use: stop what uses it, or pass ${flag} <another port>`,
      );
    else if (free === "EACCES")
      problems.push(`port ${port} on ${host} (${what}) needs privileges: pass ${flag} with a port above 1023`);
    else problems.push(`cannot listen on ${host}:${port} (${what}): ${free}`);
  }
  return problems.length > 0 ? problems.join("\n") : undefined;
}
