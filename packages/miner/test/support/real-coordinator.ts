// The real coordinator (SQLite, over HTTP, on a free port) for tests that run the miner against it,
// with the admin key set and a `call` that answers as a client reads the API.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";

export const ADMIN_KEY = "admin-key-for-miner-tests-0123456789ab";

export interface Reply {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

export interface RealCoordinator {
  readonly url: string;
  call(method: string, path: string, key: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

/** Starts a coordinator; `env` adds PITHEAD_* settings (timeouts, limits) to the defaults. */
export async function startRealCoordinator(env: Record<string, string> = {}): Promise<RealCoordinator> {
  const coordinator: RunningCoordinator = await startCoordinator({
    env: {
      PITHEAD_DATA: mkdtempSync(join(tmpdir(), "miner-test-coord-")),
      PITHEAD_PORT: "0",
      PITHEAD_ADMIN_KEY: ADMIN_KEY,
      PITHEAD_LOG_LEVEL: "silent",
      PITHEAD_RATE_LIMIT: "0",
      ...env,
    },
    logger: { level: "silent" },
  });
  return {
    url: coordinator.url,
    async call(method, path, key, body) {
      const response = await fetch(`${coordinator.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : {} };
    },
    async close() {
      // Idle keep-alive sockets would hold close() for a minute.
      const closing = coordinator.close();
      coordinator.app.server.closeAllConnections();
      await closing;
    },
  };
}
