// Security: leases are the holder's alone, clients see only their own jobs and wallet, a miner key
// only its own payout wallet, a revoked key is refused at once and its open streams end, one key
// cannot hold streams without limit, a wrong role gets 403, and no key material reaches the logs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { items, sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";
import { openStream, within } from "./support/event-stream.ts";

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

  it("a miner cannot take a client's wallet as its payout wallet, nor a client key a miner's: neither reads nor spends the other's money", async () => {
    const alice = await coordinator.client(1_000);
    const spy = await coordinator.key("miner");
    const refused = await coordinator.call("POST", "/v1/miner/heartbeat", {
      key: spy.key,
      body: { miner_id: "spy-miner", wallet: alice.wallet, mode: "cpu", gpu: false },
    });
    expect([refused.status, refused.body.error?.code, refused.body.error?.details?.field]).toEqual([
      409,
      "WALLET_IN_USE",
      "body.wallet",
    ]);
    expect(String(refused.body.error?.message)).toContain("belongs to a client key");
    for (const path of ["/v1/wallet/balance", `/v1/wallet/balance?address=${alice.wallet}`]) {
      const peek = await coordinator.call("GET", path, { key: spy.key });
      expect(peek.status).toBeGreaterThanOrEqual(400);
      expect(peek.body.balance).toBeUndefined();
    }
    // A miner paid into a wallet of its own reads it as before.
    const honest = await coordinator.miner("own-wallet-miner", { wallet: "own_payouts" });
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: honest.key })).body).toMatchObject({
      address: "own_payouts",
      balance: 0,
    });
    // The other way round: a client key on that miner's payout wallet would spend its earnings.
    await coordinator.fund("own_payouts", 500);
    const grab = await coordinator.call("POST", "/v1/admin/keys", {
      key: coordinator.adminKey,
      body: { role: "client", wallet: "own_payouts" },
    });
    expect([grab.status, grab.body.error?.code]).toEqual([409, "WALLET_IN_USE"]);
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: honest.key })).body.balance).toBe(500);
    // Client keys still share a client's wallet (a rotated key).
    const rotated = await coordinator.call("POST", "/v1/admin/keys", {
      key: coordinator.adminKey,
      body: { role: "client", wallet: alice.wallet },
    });
    expect(rotated.status).toBe(201);
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

  it("ends the open event streams of a revoked key at once, and only those", async () => {
    const client = await coordinator.client();
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "rev_work", reward: 1 },
    });
    const otherAdmin = await coordinator.key("admin");
    const all = await openStream(coordinator.url, "/v1/events", client.key);
    const one = await openStream(coordinator.url, `/v1/jobs/${job.body.id}/events`, client.key);
    const admins = await openStream(coordinator.url, "/v1/events", otherAdmin.key);
    const clientId = client.key.split("_")[2];
    expect((await coordinator.call("DELETE", `/v1/admin/keys/${clientId}`, { key: coordinator.adminKey })).status).toBe(
      200,
    );
    await within(Promise.all([all.ended, one.ended]), 10_000, "the end of the revoked key's streams");
    // The other key's stream goes on: it sees the next job.
    const next = await coordinator.call("POST", "/v1/jobs", {
      key: (await coordinator.client()).key,
      body: { workload: "rev_work", reward: 1 },
    });
    await expect
      .poll(() => admins.events.map((e) => (e.data as { job_id?: string }).job_id), { timeout: 10_000 })
      .toContain(next.body.id);
    expect(admins.isEnded).toBe(false);
    expect(
      (await coordinator.call("DELETE", `/v1/admin/keys/${otherAdmin.id}`, { key: coordinator.adminKey })).status,
    ).toBe(200);
    await within(admins.ended, 10_000, "the end of the revoked admin key's stream");
    // Nothing reached the revoked client's streams after the revocation.
    expect(all.events.map((e) => e.event)).toEqual(["ready"]);
    expect(one.events.map((e) => e.event)).toEqual(["state"]);
  });

  it("ends a revoked miner key's long-poll at once", async () => {
    const miner = await coordinator.miner("rev-poller", { capabilities: { workloads: ["rev_poll_work"] } });
    const poll = coordinator.call("GET", "/v1/miner/next?miner=rev-poller&wait=60", { key: miner.key });
    await expect.poll(async () => (await coordinator.call("GET", "/health")).body.waiting_miners).toBe(1);
    const id = miner.key.split("_")[2];
    expect((await coordinator.call("DELETE", `/v1/admin/keys/${id}`, { key: coordinator.adminKey })).status).toBe(200);
    expect((await within(poll, 10_000, "the end of the revoked key's long-poll")).status).toBe(204);
    expect((await coordinator.call("GET", "/v1/miner/next?miner=rev-poller", { key: miner.key })).status).toBe(401);
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

describe("miner wallets", () => {
  const heartbeat = (key: string, minerId: string, wallet: string) =>
    coordinator.call("POST", "/v1/miner/heartbeat", {
      key,
      body: { miner_id: minerId, wallet, mode: "cpu", gpu: false },
    });

  it("a miner key cannot read another miner's wallet by naming it as its own payout wallet", async () => {
    await coordinator.fund("victim-payouts", 777);
    const victim = await coordinator.key("miner");
    expect((await heartbeat(victim.key, "victim", "victim-payouts")).status).toBe(200);
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: victim.key })).body.balance).toBe(777);

    // Registering with the victim's wallet is refused, and says how an operator shares a wallet.
    const spy = await coordinator.key("miner");
    const refused = await heartbeat(spy.key, "spy", "victim-payouts");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "WALLET_IN_USE", details: { wallet: "victim-payouts" } });
    expect(String(refused.body.error?.message)).toContain("pithead keys create --role miner --wallet victim-payouts");
    expect(JSON.stringify(refused.body)).not.toContain('victim"');
    const peek = await coordinator.call("GET", "/v1/wallet/balance", { key: spy.key });
    expect(peek.status).toBe(409);
    expect(peek.body.balance).toBeUndefined();

    // A registered miner cannot switch to the victim's wallet either, and still reads only its own.
    expect((await heartbeat(spy.key, "spy", "spy-payouts")).status).toBe(200);
    const moved = await heartbeat(spy.key, "spy", "victim-payouts");
    expect([moved.status, moved.body.error?.code]).toEqual([409, "WALLET_IN_USE"]);
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: spy.key })).body).toMatchObject({
      address: "spy-payouts",
      balance: 0,
    });
    const asked = await coordinator.call("GET", "/v1/wallet/balance?address=victim-payouts", { key: spy.key });
    expect([asked.status, asked.body.error?.code]).toEqual([403, "NOT_YOUR_WALLET"]);
    // The victim's own beats, repeating its wallet, go on.
    expect((await heartbeat(victim.key, "victim", "victim-payouts")).status).toBe(200);
  });

  it("a wallet bound to a miner key is refused to unbound keys even before any miner is paid into it", async () => {
    await coordinator.key("miner", { wallet: "reserved-payouts" });
    const other = await coordinator.key("miner");
    const refused = await heartbeat(other.key, "squatter", "reserved-payouts");
    expect([refused.status, refused.body.error?.code]).toEqual([409, "WALLET_IN_USE"]);
  });

  it("binding a wallet to a miner key stops unbound miners already paid into it from reading it", async () => {
    // A miner that took the wallet first (or shared it before the wallet rules) keeps being paid...
    await coordinator.fund("claimed-later", 90);
    const early = await coordinator.key("miner");
    expect((await heartbeat(early.key, "early-bird", "claimed-later")).status).toBe(200);
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: early.key })).body.balance).toBe(90);
    // ...but once an admin binds the wallet to a key, only keys bound to it read it.
    const owner = await coordinator.key("miner", { wallet: "claimed-later" });
    const peek = await coordinator.call("GET", "/v1/wallet/balance", { key: early.key });
    expect([peek.status, peek.body.error?.code, peek.body.balance]).toEqual([403, "NOT_YOUR_WALLET", undefined]);
    expect(String(peek.body.error?.message)).toContain("pithead keys create --role miner --wallet claimed-later");
    expect((await heartbeat(early.key, "early-bird", "claimed-later")).status).toBe(200);
    expect((await heartbeat(owner.key, "rightful", "claimed-later")).status).toBe(200);
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: owner.key })).body.balance).toBe(90);
  });

  it("miner keys bound to a wallet share it (an operator's rigs); a bound key pays into no other wallet", async () => {
    await coordinator.fund("rigs-payouts", 50);
    const first = await coordinator.key("miner", { wallet: "rigs-payouts" });
    expect(first.wallet).toBe("rigs-payouts");
    const second = await coordinator.key("miner", { wallet: "rigs-payouts" });
    expect((await heartbeat(first.key, "rig-1", "rigs-payouts")).status).toBe(200);
    expect((await heartbeat(second.key, "rig-2", "rigs-payouts")).status).toBe(200);
    for (const key of [first.key, second.key]) {
      expect((await coordinator.call("GET", "/v1/wallet/balance", { key })).body).toMatchObject({
        address: "rigs-payouts",
        balance: 50,
      });
    }
    const elsewhere = await heartbeat(second.key, "rig-2", "rig-2-own");
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error).toMatchObject({
      code: "KEY_BOUND_TO_OTHER_WALLET",
      details: { wallet: "rig-2-own", bound_to: "rigs-payouts" },
    });
    expect(String(elsewhere.body.error?.message)).toContain("rigs-payouts");
    expect(String(elsewhere.body.error?.message)).toContain("rig-2-own");
    // A bound key is recorded with its wallet, in the key list and the ledger.
    const listed = items((await coordinator.call("GET", "/v1/admin/keys", { key: coordinator.adminKey })).body.keys);
    expect(listed.find((k) => String(k.id) === first.id)?.wallet).toBe("rigs-payouts");
    const created = await coordinator.call("GET", "/v1/ledger/records?type=coordinator.key.created&limit=1000", {
      key: coordinator.adminKey,
    });
    expect(items(created.body.records).map((r) => r.body)).toContainEqual(
      expect.objectContaining({ key_id: first.id, role: "miner", wallet: "rigs-payouts" }),
    );
  });
});

describe("open streams per key", () => {
  it("caps the event streams and long-polls one key holds at once: 429 with Retry-After, freed when one ends", async () => {
    await using limited = await startTestCoordinator({ config: { maxStreamsPerKey: 2 } });
    const client = await limited.client();
    const job = await limited.call("POST", "/v1/jobs", { key: client.key, body: { workload: "cap_work", reward: 1 } });
    const first = await openStream(limited.url, "/v1/events", client.key);
    const second = await openStream(limited.url, `/v1/jobs/${job.body.id}/events`, client.key);
    for (const path of ["/v1/events", `/v1/jobs/${job.body.id}/events`]) {
      const refused = await limited.call("GET", path, { key: client.key });
      expect([path, refused.status, refused.body.error?.code]).toEqual([path, 429, "TOO_MANY_STREAMS"]);
      expect(refused.body.error?.details).toMatchObject({ limit: 2 });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Another key is not affected.
    const other = await limited.client();
    const theirs = await openStream(limited.url, "/v1/events", other.key);
    await first.close();
    // The server notices the client went away and frees its slot.
    await expect.poll(() => limited.running.service.streams.size).toBe(2);
    const third = await openStream(limited.url, "/v1/events", client.key);
    await Promise.all([second.close(), third.close(), theirs.close()]);

    // Long-polls count too (a miner key could otherwise park any number of them).
    const miner = await limited.miner("cap-miner", { capabilities: { workloads: ["cap_nothing"] } });
    const polls = [0, 1].map(() => limited.call("GET", "/v1/miner/next?miner=cap-miner&wait=60", { key: miner.key }));
    await expect.poll(async () => (await limited.call("GET", "/health")).body.waiting_miners).toBe(2);
    for (const [method, path, body] of [
      ["GET", "/v1/miner/next?miner=cap-miner&wait=5", undefined],
      ["POST", "/v1/miner/claim", { miner_id: "cap-miner", max_jobs: 1, wait_s: 5 }],
    ] as const) {
      const refused = await limited.call(method, path, { key: miner.key, ...(body ? { body } : {}) });
      expect([path, refused.status, refused.body.error?.code]).toEqual([path, 429, "TOO_MANY_STREAMS"]);
      expect(refused.headers.get("retry-after")).not.toBeNull();
    }
    // A poll that does not wait holds nothing and is answered as usual.
    expect((await limited.call("GET", "/v1/miner/next?miner=cap-miner", { key: miner.key })).status).toBe(204);
    const minerId = miner.key.split("_")[2];
    await limited.call("DELETE", `/v1/admin/keys/${minerId}`, { key: limited.adminKey });
    await within(Promise.all(polls), 10_000, "the revoked key's long-polls");
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
