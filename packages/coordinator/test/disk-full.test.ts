// A coordinator whose disk fills up (SQLite's own SQLITE_FULL): every refused write is 507
// STORAGE_FULL, but the log says so once as it begins (then at most once a minute, see
// service/database-outage.test.ts), not one error line per refused request; heartbeats that still
// fit tell the miner its disk is full, so it keeps its results instead of taking it for "reachable";
// and, as in a database outage, the time it could not record heartbeats does not count against miners.
import { describe, expect, it } from "vitest";
import { startTestCoordinator } from "./support/coordinator.ts";

describe("a full disk", () => {
  it("is logged once, not per refused request, heartbeats say storage_full, and the miners it could not hear are not judged for it", async () => {
    await using coordinator = await startTestCoordinator({
      engineWorkerUrl: new URL("./support/full-disk-engine.ts", import.meta.url),
    });
    const client = await coordinator.client();
    const miner = await coordinator.miner("full-disk-miner", { capabilities: { workloads: ["disk_work"] } });
    const beat = () =>
      coordinator.call("POST", "/v1/miner/heartbeat", {
        key: miner.key,
        body: { miner_id: miner.minerId, wallet: miner.wallet, mode: "cpu", gpu: 0 },
      });
    expect((await beat()).body).toMatchObject({ storage_full: false });
    const held = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "disk_work", reward: 10 },
    });
    const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    expect(next.body.id).toBe(held.body.id);

    const fill = await coordinator.call("POST", "/v1/admin/wallets/disk_full/fund", {
      key: coordinator.adminKey,
      body: { amount: 1 },
    });
    expect(fill.status).toBeGreaterThanOrEqual(200); // the trigger; its own write may or may not fit
    // A job whose parameters take more than a page needs new pages: every one is refused.
    const big = { workload: "disk_work", reward: 10, params: { filler: "x".repeat(8000) } };
    for (let i = 0; i < 40; i++) {
      const submitted = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: big });
      expect(submitted.status).toBe(507);
      expect(submitted.body.error?.code).toBe("STORAGE_FULL");
    }
    const during = await beat();
    if (during.status === 200) expect(during.body).toMatchObject({ storage_full: true });
    else expect(during.status).toBe(507);

    // The disk stays full past the miner's heartbeat timeout and its lease's TTL: its beats were
    // refused, so that time does not count against it once writes go through again.
    const { heartbeatTimeoutS, leaseTtlS } = coordinator.running.config;
    coordinator.clock.advance((heartbeatTimeoutS + leaseTtlS) * 1000);
    const late = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: big });
    expect(late.status).toBe(507);

    const lines = coordinator.logs.flatMap((chunk) =>
      chunk
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    );
    expect(lines.filter((line) => line.msg === "the disk is full")).toEqual([]);
    expect(lines.filter((line) => String(line.msg).startsWith("the disk is full"))).toHaveLength(1);

    // Space again: writes go through (the episode's end is logged once writes stop failing a while).
    const room = await coordinator.call("POST", "/v1/admin/wallets/disk_room/fund", {
      key: coordinator.adminKey,
      body: { amount: 1 },
    });
    expect(room.status).toBe(200);
    const after = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "disk_work", reward: 10 },
    });
    expect(after.status).toBe(201);
    await coordinator.running.service.sweep();
    const job = await coordinator.call("GET", `/v1/jobs/${held.body.id}`, { key: client.key });
    expect(job.body.state).toBe("LEASED");
  });
});
