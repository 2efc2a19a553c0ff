// A write-ahead log fsync that fails means the commits since may not survive a power cut: the
// coordinator must not answer them as done, and must stop (to be restarted) rather than carry on.
import { describe, expect, it } from "vitest";
import { startCoordinator } from "../src/start.ts";
import { tempDir } from "./support/temp-dir.ts";

const quiet = { logger: false as const, sweeper: false, env: {} };

describe("a failed fsync of the write-ahead log", () => {
  it("answers the writes waiting for it 503, stops the coordinator, and a restart carries on", async () => {
    using dir = tempDir();
    const config = { dataDir: dir.path, db: { kind: "sqlite" as const, path: `${dir.path}/c.db` }, port: 0 };
    const failing = await startCoordinator({
      ...quiet,
      config,
      engineWorkerUrl: new URL("./support/failing-fsync-engine.ts", import.meta.url),
    });
    const admin = { authorization: `Bearer ${failing.generatedAdminKey}`, "content-type": "application/json" };
    const funded = await fetch(`${failing.url}/v1/admin/wallets/w1/fund`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ amount: 500 }),
    });
    expect(funded.status).toBe(200);
    const created = await fetch(`${failing.url}/v1/admin/keys`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ role: "client", wallet: "w1" }),
    });
    const client = (await created.json()) as { key: string };
    const job = await fetch(`${failing.url}/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${client.key}`, "content-type": "application/json" },
      body: JSON.stringify({ workload: "torch_bench", reward: 100 }),
    });
    // Committed, but never made durable: not answered as done.
    expect(job.status).toBe(503);
    expect(((await job.json()) as { error: { code: string } }).error.code).toBe("STORE_UNAVAILABLE");
    expect((await failing.failed).message).toMatch(/store thread stopped/);
    await expect(fetch(`${failing.url}/health`)).rejects.toThrow();

    const restarted = await startCoordinator({ ...quiet, config });
    const balance = await restarted.app.inject({
      url: "/v1/wallet/balance",
      headers: { authorization: `Bearer ${client.key}` },
    });
    // What was answered is there; the submission that was not may or may not be (its client retries).
    const wallet = balance.json() as { balance: number; pending: number };
    expect(wallet.balance + wallet.pending).toBe(500);
    const retried = await restarted.app.inject({
      method: "POST",
      url: "/v1/jobs",
      headers: { authorization: `Bearer ${client.key}` },
      payload: { workload: "torch_bench", reward: 100 },
    });
    expect(retried.statusCode).toBe(201);
    await restarted.close();
  });
});
