// GET /v1/admin/miners a page at a time, exactly as /v1/admin/wallets (`limit`, `after`,
// `next_after`), and a miner in its shutdown grace (`stopping: true` in its heartbeat): shown as
// stopping, handed no new job, back to online with a heartbeat without the flag. SQLite, over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Body, items, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

const admin = () => ({ key: coordinator.adminKey });
const minersPage = (query: string) => coordinator.call("GET", `/v1/admin/miners${query}`, admin());

describe("GET /v1/admin/miners", () => {
  it("pages by miner_id: limit, after, next_after (null on the last page), like /v1/admin/wallets", async () => {
    const ids = ["page-c", "page-a", "page-e", "page-b", "page-d"];
    for (const id of ids) await coordinator.miner(id);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const reply = await minersPage(`?limit=2${after === null ? "" : `&after=${encodeURIComponent(after)}`}`);
      expect(reply.status).toBe(200);
      const page = items(reply.body.miners).map((miner) => String(miner.miner_id));
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
      after = reply.body.next_after === null ? null : String(reply.body.next_after);
      if (after !== null) expect(after).toBe(page.at(-1));
      pages++;
    } while (after !== null && pages < 100);
    expect(seen).toEqual([...ids].sort());
    expect(pages).toBe(3);

    const whole = await minersPage("");
    expect(whole.body.next_after).toBeNull();
    expect(items(whole.body.miners).map((miner) => String(miner.miner_id))).toEqual([...ids].sort());
    const rest = await minersPage("?after=page-c");
    expect(items(rest.body.miners).map((miner) => String(miner.miner_id))).toEqual(["page-d", "page-e"]);
    for (const bad of ["?limit=0", "?limit=1001", "?limit=x"]) {
      const wallets = await coordinator.call("GET", `/v1/admin/wallets${bad}`, admin());
      expect(wallets.status).toBe(422);
      expect((await minersPage(bad)).status).toBe(wallets.status);
    }
    expect((await minersPage("?limit=1000")).status).toBe(200);
  });
});

describe("a miner that says it is stopping", () => {
  it("shows as stopping, gets no new job (an empty answer), and is online again after a beat without the flag", async () => {
    const workload = "stopping_work";
    const miner = await coordinator.miner("stop-me", { capabilities: { workloads: [workload] } });
    const client = await coordinator.client();
    const beat = (extra: Record<string, unknown>) =>
      coordinator.call("POST", "/v1/miner/heartbeat", {
        key: miner.key,
        body: { miner_id: miner.minerId, wallet: miner.wallet, mode: "cpu", gpu: 0, ...extra },
      });
    const statusOf = async () =>
      items((await minersPage("?limit=1000")).body.miners).find((m: Body) => String(m.miner_id) === "stop-me")?.status;

    const stopping = await beat({ stopping: true });
    expect(stopping.status).toBe(200);
    expect(stopping.body.status).toBe("stopping");
    expect(await statusOf()).toBe("stopping");
    const stats = await coordinator.call("GET", "/v1/admin/stats", admin());
    expect(stats.body.miners).toMatchObject({ stopping: 1 });

    const submitted = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload, reward: 1 } });
    expect(submitted.status).toBe(201);
    const claim = await coordinator.call("POST", "/v1/miner/claim", {
      key: miner.key,
      body: { miner_id: miner.minerId, max_jobs: 1 },
    });
    expect(claim.status).toBe(200);
    expect(claim.body.jobs).toEqual([]);
    const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}`, { key: miner.key });
    expect(next.status).toBe(204);

    // The seed's heartbeat (no flag) — or the miner's next start — clears it.
    const back = await beat({});
    expect(back.body.status).toBe("online");
    expect(await statusOf()).toBe("online");
    const work = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}`, { key: miner.key });
    expect(work.status).toBe(200);
    expect(work.body.id).toBe(submitted.body.id);
  });

  it("refuses a stopping flag that is not a boolean, as the other heartbeat fields", async () => {
    const miner = await coordinator.miner("stop-typed");
    const reply = await coordinator.call("POST", "/v1/miner/heartbeat", {
      key: miner.key,
      body: { miner_id: miner.minerId, wallet: miner.wallet, mode: "cpu", gpu: 0, stopping: "yes" },
    });
    expect(reply.status).toBe(422);
  });
});
