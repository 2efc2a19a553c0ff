// Starts the dashboard server on a port: used by `pithead web`, `pithead up` and the tests.

import type { AddressInfo } from "node:net";
import type { HttpServer } from "@pithead/http";
import { createDashboardServer, type DashboardServerOptions } from "./dashboard-server.ts";

export interface StartDashboardOptions extends DashboardServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** On close, how long requests in flight may take before connections are cut (default 2 s). */
  drainMs?: number;
}

export interface RunningDashboard {
  url: string;
  app: HttpServer;
  close(): Promise<void>;
}

export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  const app = await createDashboardServer(options);
  const host = options.host ?? "127.0.0.1";
  try {
    await app.listen({ host, port: options.port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shown}:${port}`,
    app,
    close() {
      closed ??= (async () => {
        // Requests in flight get a moment to finish; then browsers' kept-alive connections, which
        // would otherwise hold the close open, are cut.
        const cut = setTimeout(() => app.server.closeAllConnections(), options.drainMs ?? 2_000);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
      })();
      return closed;
    },
  };
}
