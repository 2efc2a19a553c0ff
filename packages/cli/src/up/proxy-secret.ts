// The secret between the dashboard's proxy and the services of one `pithead up` run: with it, a
// service believes the browser address the proxy forwards, so each browser has its own budget of
// failed authentications instead of sharing the dashboard's (packages/http, PITHEAD_PROXY_SECRET).
// New on every start, held in memory only: no file, no log, no other process sees it.

import { randomBytes } from "node:crypto";

export function newProxySecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Starts a service (in this process) that reads the secret as it creates its HTTP server. It is in
 * the environment only meanwhile: a process started later (a miner's workload) does not inherit it.
 */
export async function startWithProxySecret<T>(secret: string, start: () => Promise<T>): Promise<T> {
  const before = process.env.PITHEAD_PROXY_SECRET;
  process.env.PITHEAD_PROXY_SECRET = secret;
  try {
    return await start();
  } finally {
    if (before === undefined) delete process.env.PITHEAD_PROXY_SECRET;
    else process.env.PITHEAD_PROXY_SECRET = before;
  }
}
