// Against a real coordinator: the client and miner keys are made once, reused while valid, and
// replaced when the coordinator no longer knows them (a wiped database, a revoked key).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoordinatorClient, type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_WALLET,
  ensureCoordinatorKeys,
  MINER_ID,
  minerIdRegistered,
  STARTING_FUNDS,
} from "./coordinator-keys.ts";
import { loadOrCreateUpKeys } from "./up-keys.ts";

const dir = mkdtempSync(join(tmpdir(), "pithead-up-coordinator-"));
const { keys } = loadOrCreateUpKeys(dir);
let coordinator: RunningCoordinator;

beforeAll(async () => {
  coordinator = await startCoordinator({
    flags: { port: "0", dataDir: join(dir, "coordinator"), adminKey: keys.coordinatorAdminKey },
    env: {},
    logger: false,
    sweeper: false,
  });
});
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the coordinator keys of pithead up", () => {
  it("are made on the first start: a funded client wallet and a miner key", async () => {
    const first = await ensureCoordinatorKeys(coordinator.url, keys);
    expect(first.changed).toBe(true);
    expect(first.keys.client?.wallet).toBe(CLIENT_WALLET);
    expect(first.keys.miner?.minerId).toBe(MINER_ID);
    const client = new CoordinatorClient(coordinator.url, first.keys.client?.key);
    expect((await client.balance()).balance).toBe(STARTING_FUNDS);

    const again = await ensureCoordinatorKeys(coordinator.url, first.keys);
    expect(again).toEqual({ keys: first.keys, changed: false });
    // Reused keys do not fund the wallet twice.
    expect((await client.balance()).balance).toBe(STARTING_FUNDS);
  });

  it("give a first miner key another id when up-miner-1 is registered already (a keys.json lost, the database kept)", async () => {
    const { keys: current } = await ensureCoordinatorKeys(coordinator.url, keys);
    const registered = new CoordinatorClient(coordinator.url, current.miner?.key);
    await registered.request("POST", "/v1/miner/heartbeat", {
      body: { miner_id: MINER_ID, wallet: "up-miner", mode: "cpu", gpu: 0 },
    });
    const { miner: _lost, ...withoutMiner } = current;
    const again = await ensureCoordinatorKeys(coordinator.url, withoutMiner);
    expect(again.keys.miner?.minerId).toBe(`${MINER_ID}-${again.keys.miner?.id.slice(0, 6)}`);
    // The new key can register under its id.
    const fresh = new CoordinatorClient(coordinator.url, again.keys.miner?.key);
    await expect(
      fresh.request("POST", "/v1/miner/heartbeat", {
        body: { miner_id: again.keys.miner?.minerId, wallet: "up-miner", mode: "cpu", gpu: 0 },
      }),
    ).resolves.toMatchObject({ status: 200 });
  });

  it("find up-miner-1 registered past the first page of /v1/admin/miners (it answers a page at a time)", async () => {
    const admin = new CoordinatorClient(coordinator.url, keys.coordinatorAdminKey);
    // More miners than one default page (100), all sorting before up-miner-1.
    for (let i = 0; i < 101; i++) {
      const created = await admin.createKey({ role: "miner", label: `filler ${i}` });
      const miner = new CoordinatorClient(coordinator.url, created.key ?? "");
      await miner.request("POST", "/v1/miner/heartbeat", {
        body: { miner_id: `a-filler-${String(i).padStart(3, "0")}`, wallet: `filler-${i}`, mode: "cpu", gpu: 0 },
      });
    }
    const { keys: current } = await ensureCoordinatorKeys(coordinator.url, keys);
    const registered = new CoordinatorClient(coordinator.url, current.miner?.key);
    await registered.request("POST", "/v1/miner/heartbeat", {
      body: { miner_id: current.miner?.minerId, wallet: "up-miner", mode: "cpu", gpu: 0 },
    });
    expect(await minerIdRegistered(admin, current.miner?.minerId ?? "", 7)).toBe(true);
    expect(await minerIdRegistered(admin, "zz-nobody", 7)).toBe(false);
    // A lost keys.json: the first miner key must not take an id that is registered already.
    const { miner: _lost, ...withoutMiner } = current;
    const again = await ensureCoordinatorKeys(coordinator.url, withoutMiner);
    expect(again.keys.miner?.minerId).not.toBe(MINER_ID);
  });

  it("replace a revoked miner key, under a new miner id (the old id stays bound to the old key)", async () => {
    const { keys: current } = await ensureCoordinatorKeys(coordinator.url, keys);
    const admin = new CoordinatorClient(coordinator.url, keys.coordinatorAdminKey);
    await admin.revokeKey(current.miner?.id as string);
    const replaced = await ensureCoordinatorKeys(coordinator.url, current);
    expect(replaced.changed).toBe(true);
    expect(replaced.keys.client).toEqual(current.client);
    expect(replaced.keys.miner?.id).not.toBe(current.miner?.id);
    expect(replaced.keys.miner?.minerId).toBe(`${MINER_ID}-${replaced.keys.miner?.id.slice(0, 6)}`);
  });
});
