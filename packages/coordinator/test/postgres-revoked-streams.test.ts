// Two coordinators on one PostgreSQL database: a key revoked through one of them ends the event
// streams and long-polls it holds on the other within the key cache's TTL, not only at its next
// request (the other coordinator never hears of the revocation otherwise).
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { describe, expect, it } from "vitest";
import { migratePostgresStore } from "../src/store/postgres/store.ts";
import { startTestCoordinator } from "./support/coordinator.ts";
import { openStream, within } from "./support/event-stream.ts";

const adminKey = `ph_admin_0123456789ab_${"r".repeat(43)}`;

describe("a key revoked through another coordinator on the same PostgreSQL database", () => {
  it("ends the streams and long-polls it holds here, and only those", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    const config = { db: { kind: "postgres" as const, url: db.url }, adminKey };
    await using a = await startTestCoordinator({ config });
    await using b = await startTestCoordinator({ config });
    const client = await a.client();
    const job = await a.call("POST", "/v1/jobs", { key: client.key, body: { workload: "pg_rev_work", reward: 1 } });
    const all = await openStream(b.url, "/v1/events", client.key);
    const one = await openStream(b.url, `/v1/jobs/${job.body.id}/events`, client.key);
    const bystander = await openStream(b.url, "/v1/events", (await a.client()).key);
    const miner = await a.miner("pg-rev-miner", { capabilities: { workloads: ["pg_rev_nothing"] } });
    const poll = b.call("GET", "/v1/miner/next?miner=pg-rev-miner&wait=60", { key: miner.key });
    await expect.poll(async () => (await b.call("GET", "/health")).body.waiting_miners).toBe(1);

    for (const key of [client.key, miner.key]) {
      const revoked = await a.call("DELETE", `/v1/admin/keys/${key.split("_")[2]}`, { key: adminKey });
      expect(revoked.status).toBe(200);
    }
    // Bounds on a hang (the streams would otherwise stay open for good), not timing assertions.
    await within(Promise.all([all.ended, one.ended]), 20_000, "the end of the revoked key's streams");
    expect((await within(poll, 20_000, "the end of the revoked key's long-poll")).status).toBe(204);
    expect(bystander.isEnded).toBe(false);
    await bystander.close();
  });
});
