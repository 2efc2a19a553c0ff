// The API's port is the controller's own from before anything else binds: a simulated miner never
// gets it (their kernel-chosen ports come from the range PORT can be in), and a port another
// process really holds is one clear error naming it and what to do.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadFleetConfig } from "../src/config/load-config.ts";
import { startFleetService } from "../src/fleet-service.ts";

/** A port free now (bound by the kernel's choice, then let go). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function fleetEnv(dir: string, port: number) {
  return {
    DATA_DIR: dir,
    AUTH_DISABLED: "true",
    LOOP_ENABLED: "false",
    HOST: "127.0.0.1",
    PORT: String(port),
    SIMULATED_MINERS: "3",
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the API's port", () => {
  it("is never lost to a simulated miner whose kernel-chosen port would have been it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-port-"));
    const port = await freePort();
    // The kernel, as on an unlucky start: the first ephemeral bind gets PORT whenever nothing in
    // this process holds it.
    const listening = new Set<Server>();
    const listen = Server.prototype.listen;
    let first = true;
    vi.spyOn(Server.prototype, "listen").mockImplementation(function (this: Server, ...args: unknown[]) {
      listening.add(this);
      const options = args[0];
      if (first && typeof options === "object" && options !== null && (options as { port?: unknown }).port === 0) {
        first = false;
        const held = [...listening].some(
          (server) => server.listening && (server.address() as { port?: number } | null)?.port === port,
        );
        if (!held) args[0] = { ...(options as object), port };
      }
      return listen.apply(this, args as never);
    } as typeof listen);
    try {
      const service = await startFleetService(loadFleetConfig(fleetEnv(dir, port)), { logger: false });
      try {
        expect(service.url).toBe(`http://127.0.0.1:${port}`);
        expect(first).toBe(false); // a miner's bind did ask the kernel
        expect(service.simulator?.endpoints().map((miner) => miner.port)).not.toContain(port);
        const health = await fetch(`${service.url}/health`);
        expect(health.status).toBe(200);
      } finally {
        await service.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("held by another process: the start says which port, that it is in use, and what to set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-port-"));
    const other = createServer();
    await new Promise<void>((resolve) => other.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const port = (other.address() as { port: number }).port;
    try {
      await expect(startFleetService(loadFleetConfig(fleetEnv(dir, port)), { logger: false })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use by another process: stop what uses it, or set PORT (pithead fleet start --port) to another port`,
      );
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
