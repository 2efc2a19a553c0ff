// Starting and restarting a coordinator: the first start creates the database and an admin key
// (written to <data>/admin.key, mode 600, never logged); a restart keeps everything; a second
// process on the same SQLite file is refused; PITHEAD_ADMIN_KEY is honoured and a revoked one refused.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { startCoordinator } from "../src/start.ts";
import { startTestCoordinator } from "./support/coordinator.ts";
import { tempDir } from "./support/temp-dir.ts";

const quiet = { logger: false as const, sweeper: false, env: {} };

describe("starting the coordinator", () => {
  it("takes over a lock naming its own pid that it does not hold (PID 1 of a container restarted after a kill)", async () => {
    using dir = tempDir();
    const config = { dataDir: dir.path, db: { kind: "sqlite" as const, path: `${dir.path}/c.db` }, port: 0 };
    // What a killed process with our pid left: an older version's lock, then one with another start time.
    for (const left of [`${process.pid}\n`, `${process.pid}\n${hostname()}\n2026-01-01T00:00:00Z\nold-boot:1\n`]) {
      writeFileSync(`${dir.path}/c.db.lock`, left);
      const started = await startCoordinator({ ...quiet, config });
      // The lock is now this process's: a second start in it is refused.
      await expect(startCoordinator({ ...quiet, config })).rejects.toThrow(/in use by another coordinator \(pid \d+\)/);
      await started.close();
      expect(existsSync(`${dir.path}/c.db.lock`)).toBe(false);
    }
  });

  it("creates an admin key on first start only, saved with mode 600, and keeps state across restarts", async () => {
    using dir = tempDir();
    const config = { dataDir: dir.path, db: { kind: "sqlite" as const, path: `${dir.path}/c.db` }, port: 0 };
    const first = await startCoordinator({ ...quiet, config });
    expect(first.generatedAdminKey).toMatch(/^ph_admin_[0-9a-f]{12}_/);
    expect(first.adminKeyFile).toBe(`${dir.path}/admin.key`);
    expect(readFileSync(`${dir.path}/admin.key`, "utf8").trim()).toBe(first.generatedAdminKey);
    expect(statSync(`${dir.path}/admin.key`).mode & 0o777).toBe(0o600);
    const key = first.generatedAdminKey ?? "";
    const funded = await first.app.inject({
      method: "POST",
      url: "/v1/admin/wallets/keep_me/fund",
      headers: { authorization: `Bearer ${key}` },
      payload: { amount: 77 },
    });
    expect(funded.statusCode).toBe(200);
    await expect(startCoordinator({ ...quiet, config })).rejects.toThrow(/in use by another coordinator/);
    await first.close();

    const second = await startCoordinator({ ...quiet, config });
    expect(second.generatedAdminKey).toBeUndefined();
    const balance = await second.app.inject({
      url: "/v1/wallet/balance?address=keep_me",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(balance.json()).toMatchObject({ address: "keep_me", balance: 77 });
    await second.close();
  });

  it("registers the admin.key a start wrote but never got into the database, instead of replacing it", async () => {
    // A crash or a full disk between writing admin.key and storing its hash: the file is the key.
    using dir = tempDir();
    const left = "ph_admin_0123456789ab_left-by-an-interrupted-start-000000000000";
    writeFileSync(`${dir.path}/admin.key`, `${left}\n`, { mode: 0o600 });
    const config = { dataDir: dir.path, db: { kind: "sqlite" as const, path: `${dir.path}/c.db` }, port: 0 };
    const running = await startCoordinator({ ...quiet, config });
    expect(running.generatedAdminKey).toBe(left);
    expect(readFileSync(`${dir.path}/admin.key`, "utf8").trim()).toBe(left);
    const keys = await running.app.inject({ url: "/v1/admin/keys", headers: { authorization: `Bearer ${left}` } });
    expect(keys.statusCode).toBe(200);
    expect(keys.json().keys).toEqual([expect.objectContaining({ id: "0123456789ab", role: "admin" })]);
    await running.close();
  });

  it("moves an admin.key holding no usable key aside and writes a new one; writes none when the database has an admin key", async () => {
    using dir = tempDir();
    writeFileSync(`${dir.path}/admin.key`, "edited by hand\n");
    const config = { dataDir: dir.path, db: { kind: "sqlite" as const, path: `${dir.path}/c.db` }, port: 0 };
    const running = await startCoordinator({ ...quiet, config });
    const aside = readdirSync(dir.path).filter((name) => name.startsWith("admin.key.unusable-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(`${dir.path}/${aside[0]}`, "utf8")).toBe("edited by hand\n");
    expect(readFileSync(`${dir.path}/admin.key`, "utf8").trim()).toBe(running.generatedAdminKey);
    await running.close();

    rmSync(`${dir.path}/admin.key`);
    const again = await startCoordinator({ ...quiet, config });
    expect(again.generatedAdminKey).toBeUndefined();
    expect(existsSync(`${dir.path}/admin.key`)).toBe(false);
    await again.close();
  });

  it("accepts PITHEAD_ADMIN_KEY instead of generating one, and refuses it once revoked", async () => {
    using dir = tempDir();
    const adminKey = "operator-chosen-admin-key-0001";
    const config = { dataDir: dir.path, db: { kind: "sqlite" as const, path: `${dir.path}/c.db` }, port: 0, adminKey };
    const running = await startCoordinator({ ...quiet, config });
    expect(running.generatedAdminKey).toBeUndefined();
    const created = await running.app.inject({
      method: "POST",
      url: "/v1/admin/keys",
      headers: { authorization: `Bearer ${adminKey}` },
      payload: { role: "admin", label: "second" },
    });
    expect(created.statusCode).toBe(201);
    const keys = await running.app.inject({ url: "/v1/admin/keys", headers: { authorization: `Bearer ${adminKey}` } });
    const envKey = (keys.json() as { keys: { id: string; label: string }[] }).keys.find(
      (k) => k.label === "PITHEAD_ADMIN_KEY",
    );
    // Its registration is in the ledger, as every key's creation is.
    const records = [];
    for await (const record of running.ledger.read("coordinator", { type: "coordinator.key.created" }))
      records.push(record.body);
    expect(records).toContainEqual({ key_id: envKey?.id, role: "admin", label: "PITHEAD_ADMIN_KEY", wallet: null });
    await running.app.inject({
      method: "DELETE",
      url: `/v1/admin/keys/${envKey?.id}`,
      headers: { authorization: `Bearer ${created.json().key}` },
    });
    await running.close();
    await expect(startCoordinator({ ...quiet, config })).rejects.toThrow(/PITHEAD_ADMIN_KEY was revoked/);
    // The key `pithead up` keeps in keys.json is named as such, not as a variable nobody set.
    await expect(
      startCoordinator({ ...quiet, config, adminKeyConfiguredBy: "pithead up (keys.json)" }),
    ).rejects.toThrow("the admin key from pithead up (keys.json) was revoked");
  });

  it("stops cleanly: long-polls are answered and the database lock is released", async () => {
    await using coordinator = await startTestCoordinator();
    const miner = await coordinator.miner("stopping", { capabilities: { workloads: ["never"] } });
    const poll = coordinator.call("GET", "/v1/miner/next?miner=stopping&wait=30", { key: miner.key });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await coordinator.running.close();
    const reply = await poll;
    expect([204, 503]).toContain(reply.status);
    const again = await startCoordinator({ ...quiet, config: coordinator.running.config });
    await again.close();
  });

  it("shuts down, losing nothing, when its store thread dies; a restart carries on", async () => {
    using dir = tempDir();
    const config = { dataDir: dir.path, db: { kind: "sqlite" as const, path: `${dir.path}/c.db` }, port: 0 };
    const dying = await startCoordinator({
      ...quiet,
      config,
      engineWorkerUrl: new URL("./support/dying-engine.ts", import.meta.url),
    });
    const admin = { authorization: `Bearer ${dying.generatedAdminKey}` };
    const funded = await fetch(`${dying.url}/v1/admin/wallets/w1/fund`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ amount: 500 }),
    });
    expect(funded.status).toBe(200);
    const submitted = await fetch(`${dying.url}/v1/admin/keys`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ role: "client", wallet: "w1" }),
    });
    const client = (await submitted.json()) as { key: string };
    const job = await fetch(`${dying.url}/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${client.key}`, "content-type": "application/json" },
      body: JSON.stringify({ workload: "torch_bench", reward: 100 }),
    });
    // The caller is told to come back later, not handed a 500 — and nothing half-done is kept.
    expect(job.status).toBe(503);
    expect(((await job.json()) as { error: { code: string } }).error.code).toBe("STORE_UNAVAILABLE");
    expect((await dying.failed).message).toBe("engine bug: boom");
    // The server has stopped listening, so a supervisor sees it down and restarts it.
    await expect(fetch(`${dying.url}/health`)).rejects.toThrow();

    const restarted = await startCoordinator({ ...quiet, config });
    const balance = await restarted.app.inject({
      url: "/v1/wallet/balance",
      headers: { authorization: `Bearer ${client.key}` },
    });
    expect(balance.json()).toMatchObject({ address: "w1", balance: 500 });
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
