// GET /v1/wallet/statement: a wallet's movements (the ledger's postings), newest first, each with the
// balance after it, a page at a time; a key reads its own wallet's, an admin any.
import { describe, expect, it } from "vitest";
import { items, sha256, startTestCoordinator } from "./support/coordinator.ts";

describe("a wallet statement", () => {
  it("lists funding, escrow, refund and payout with the running balance, paginated, to the wallet's own keys and admins", async () => {
    await using coordinator = await startTestCoordinator();
    const client = await coordinator.client(1_000);
    const miner = await coordinator.miner("statement-miner", { capabilities: { workloads: ["stmt"] } });
    const paid = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "stmt", reward: 100 },
    });
    await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    await coordinator.call("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: paid.body.id, output_sha: sha256("ok"), output: "ok", metrics: {} },
    });
    const canceled = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "stmt", reward: 100 },
    });
    await coordinator.call("POST", `/v1/jobs/${canceled.body.id}/cancel`, { key: client.key });

    const statement = (key: string, query = "") => coordinator.call("GET", `/v1/wallet/statement${query}`, { key });
    const whole = await statement(client.key);
    expect(whole.status).toBe(200);
    expect(whole.body).toMatchObject({ address: client.wallet, balance: 900, next_cursor: null });
    expect(items(whole.body.entries).map((e) => [e.kind, e.job_id, e.amount, e.balance_after])).toEqual([
      ["refund", canceled.body.id, 100, 900],
      ["escrow", canceled.body.id, -100, 800],
      ["escrow", paid.body.id, -100, 900],
      ["fund", null, 1_000, 1_000],
    ]);

    // A page at a time: the balance after each movement is the same as in one page.
    const first = await statement(client.key, "?limit=3");
    expect(items(first.body.entries).map((e) => e.balance_after)).toEqual([900, 800, 900]);
    const rest = await statement(client.key, `?limit=3&cursor=${first.body.next_cursor}`);
    expect(items(rest.body.entries).map((e) => [e.kind, e.balance_after])).toEqual([["fund", 1_000]]);
    expect(rest.body.next_cursor).toBeNull();
    expect((await statement(client.key, "?cursor=bm9wZQ")).body.error?.code).toBe("INVALID_CURSOR");

    // The miner's own wallet: its payout (the reward less the 1% fee).
    const mine = await statement(miner.key);
    expect(mine.body).toMatchObject({ address: miner.wallet, balance: 99 });
    expect(items(mine.body.entries).map((e) => [e.kind, e.job_id, e.amount, e.balance_after])).toEqual([
      ["payout", paid.body.id, 99, 99],
    ]);
    // Nobody else's; an admin names the wallet.
    expect((await statement(client.key, `?address=${miner.wallet}`)).body.error?.code).toBe("NOT_YOUR_WALLET");
    expect((await statement(miner.key, `?address=${client.wallet}`)).body.error?.code).toBe("NOT_YOUR_WALLET");
    expect((await statement(coordinator.adminKey)).status).toBe(422);
    const admin = await statement(coordinator.adminKey, `?address=${client.wallet}`);
    expect(admin.body.entries).toEqual(whole.body.entries);
    expect((await coordinator.call("GET", "/v1/wallet/statement")).status).toBe(401);
    const openapi = await coordinator.call("GET", "/openapi.json");
    expect(Object.keys(openapi.body.paths ?? {})).toContain("/v1/wallet/statement");
  });
});
