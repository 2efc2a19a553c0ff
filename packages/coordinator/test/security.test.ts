// Security: leases are the holder's alone, clients see only their own jobs and wallet, a revoked
// key is refused at once, a wrong role gets 403, and no key material reaches the logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { items, sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

describe("leases", () => {
  it("a miner cannot prove or fail a job leased to another miner", async () => {
    const client = await coordinator.client();
    const holder = await coordinator.miner("holder", { capabilities: { workloads: ["sec_work"] } });
    const thief = await coordinator.miner("thief", { capabilities: { workloads: ["sec_work"] } });
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "sec_work", reward: 100 },
    });
    const lease = await coordinator.call("GET", "/v1/miner/next?miner=holder", { key: holder.key });
    expect(lease.body.id).toBe(job.body.id);
    const proof = { id: job.body.id, output_sha: sha256("x"), metrics: {}, lease_token: lease.body.lease_token };
    const stolenProof = await coordinator.call("POST", "/v1/miner/proof", { key: thief.key, body: proof });
    expect(stolenProof.status).toBe(409);
    expect(stolenProof.body.error?.code).toBe("LEASE_NOT_HELD");
    const stolenFail = await coordinator.call("POST", "/v1/miner/fail", { key: thief.key, body: { id: job.body.id } });
    expect(stolenFail.status).toBe(409);
    // Claiming to be the holder does not help: the miner is the key's, not the body's.
    const spoof = await coordinator.call("GET", "/v1/miner/next?miner=holder", { key: thief.key });
    expect(spoof.status).toBe(403);
    expect((await coordinator.call("GET", `/v1/jobs/${job.body.id}`, { key: coordinator.adminKey })).body.state).toBe(
      "LEASED",
    );
    const honest = await coordinator.call("POST", "/v1/miner/proof", { key: holder.key, body: proof });
    expect(honest.body).toMatchObject({ state: "COMPLETED" });
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: thief.key })).body.balance).toBe(0);
  });
});

describe("client isolation", () => {
  it("a client sees only its own jobs, results, receipts, streams and wallet", async () => {
    const alice = await coordinator.client(1_000);
    const bob = await coordinator.client(1_000);
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: alice.key,
      body: { workload: "iso_work", reward: 10 },
    });
    const id = String(job.body.id);
    for (const path of [
      `/v1/jobs/${id}`,
      `/v1/jobs/${id}/result`,
      `/v1/jobs/${id}/receipt`,
      `/v1/jobs/${id}/ledger`,
      `/v1/jobs/${id}/events`,
    ]) {
      const reply = await coordinator.call("GET", path, { key: bob.key });
      expect([path, reply.status, reply.body.error?.code]).toEqual([path, 404, "JOB_NOT_FOUND"]);
    }
    const cancel = await coordinator.call("POST", `/v1/jobs/${id}/cancel`, { key: bob.key });
    expect(cancel.status).toBe(404);
    const list = await coordinator.call("GET", "/v1/jobs?limit=500", { key: bob.key });
    expect(items(list.body.jobs).map((j) => j.id)).not.toContain(id);
    const peek = await coordinator.call("GET", `/v1/wallet/balance?address=${alice.wallet}`, { key: bob.key });
    expect(peek.status).toBe(403);
    expect(peek.body.error?.code).toBe("NOT_YOUR_WALLET");
    const own = await coordinator.call("GET", `/v1/wallet/balance?address=${bob.wallet}`, { key: bob.key });
    expect(own.body).toMatchObject({ address: bob.wallet, balance: 1_000 });
    const miner = await coordinator.miner("iso-miner");
    expect(
      (await coordinator.call("GET", `/v1/wallet/balance?address=${alice.wallet}`, { key: miner.key })).status,
    ).toBe(403);
    expect(
      (await coordinator.call("GET", `/v1/wallet/balance?address=${alice.wallet}`, { key: coordinator.adminKey })).body
        .balance,
    ).toBe(990);
  });

  it("a miner that names a client's wallet as its payout wallet still cannot read that client's balance", async () => {
    const alice = await coordinator.client(1_000);
    const spy = await coordinator.miner("spy-miner", { wallet: alice.wallet });
    for (const path of ["/v1/wallet/balance", `/v1/wallet/balance?address=${alice.wallet}`]) {
      const peek = await coordinator.call("GET", path, { key: spy.key });
      expect([path, peek.status, peek.body.error?.code]).toEqual([path, 403, "NOT_YOUR_WALLET"]);
      expect(peek.body.balance).toBeUndefined();
    }
    // A miner paid into a wallet of its own reads it as before.
    const honest = await coordinator.miner("own-wallet-miner", { wallet: "own_payouts" });
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: honest.key })).body).toMatchObject({
      address: "own_payouts",
      balance: 0,
    });
  });
});

describe("keys", () => {
  it("refuses a revoked key on its very next request", async () => {
    const client = await coordinator.client();
    expect((await coordinator.call("GET", "/v1/jobs", { key: client.key })).status).toBe(200);
    const id = client.key.split("_")[2];
    expect((await coordinator.call("DELETE", `/v1/admin/keys/${id}`, { key: coordinator.adminKey })).status).toBe(200);
    const refused = await coordinator.call("GET", "/v1/jobs", { key: client.key });
    expect(refused.status).toBe(401);
    expect(refused.body.error?.message).toMatch(/revoked/);
  });

  it("refuses a key with the right id but the wrong secret", async () => {
    const client = await coordinator.client();
    const forged = `${client.key.slice(0, -4)}AAAA`;
    expect((await coordinator.call("GET", "/v1/jobs", { key: forged })).status).toBe(401);
  });

  it("gives every role only its own routes (403 otherwise)", async () => {
    const client = await coordinator.client();
    const miner = await coordinator.miner("role-check");
    const forbidden: [string, string, string, unknown?][] = [
      [client.key, "POST", "/v1/miner/heartbeat", { miner_id: "x", wallet: "w", mode: "cpu", gpu: 0 }],
      [client.key, "POST", "/v1/admin/keys", { role: "admin" }],
      [client.key, "POST", "/v1/admin/wallets/mine/fund", { amount: 1_000_000 }],
      [miner.key, "POST", "/v1/jobs", { workload: "x", reward: 0 }],
      [miner.key, "GET", "/v1/jobs"],
      [miner.key, "GET", "/v1/events"],
      [miner.key, "GET", "/v1/admin/miners"],
    ];
    for (const [key, method, path, body] of forbidden) {
      const reply = await coordinator.call(method, path, { key, ...(body ? { body } : {}) });
      expect([method, path, reply.status]).toEqual([method, path, 403]);
      expect(reply.body.error?.code).toBe("FORBIDDEN");
    }
  });
});

describe("logs", () => {
  it("never contain an API key, whatever the request did", async () => {
    const client = await coordinator.client();
    const miner = await coordinator.miner("log-miner");
    await coordinator.call("GET", "/v1/jobs", { key: `${client.key}x` });
    await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: '{"broken',
      headers: { "idempotency-key": "secret-idem-key-123" },
    });
    await coordinator.call("GET", "/v1/miner/next?miner=log-miner", { key: miner.key });
    await coordinator.call("POST", "/v1/admin/keys", { key: coordinator.adminKey, body: { role: "client" } });
    const logs = coordinator.logs.join("");
    expect(logs.length).toBeGreaterThan(1_000);
    for (const secret of [client.key, miner.key, coordinator.adminKey]) {
      // The secret part after `ph_<role>_<id>_` (base64url, so it may itself contain "_").
      expect(logs).not.toContain(secret.replace(/^ph_[a-z]+_[0-9a-f]{12}_/, ""));
    }
    expect(logs).not.toContain("secret-idem-key-123");
    expect(logs).not.toMatch(/ph_(client|miner|admin)_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}/);
  });
});
