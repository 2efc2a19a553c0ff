// Acceptance: PostgreSQL becomes unreachable under a running coordinator (a restart, a network cut)
// and comes back. Meanwhile requests are refused with 503 DATABASE_UNAVAILABLE (retryable), never a
// 500 or a hang; /health says so; nothing refused is applied; and once the database is back the
// coordinator serves again without a restart — including another process's events (LISTEN).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorClient } from "../src/client.ts";
import type { JobEvent } from "../src/index.ts";
import { startCoordinator } from "../src/start.ts";
import { CHANNEL, listen } from "../src/store/postgres/notifications.ts";
import { migratePostgresStore } from "../src/store/postgres/store.ts";
import { eventually, relayTo, through } from "./support/db-relay.ts";

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; code: string };
  }
  throw new Error("expected a refusal");
}

describe("a PostgreSQL outage under a running coordinator", () => {
  const data = mkdtempSync(join(tmpdir(), "pithead-outage-"));
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it("refuses with 503 DATABASE_UNAVAILABLE meanwhile, applies nothing it refused, and serves again after", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    const relay = await relayTo(Number(new URL(db.url).port));
    const running = await startCoordinator({
      flags: { db: through(db.url, relay.port), port: "0", dataDir: data, sweepIntervalMs: "200" },
      logger: { level: "silent" },
    });
    try {
      const admin = new CoordinatorClient(running.url, running.generatedAdminKey);
      expect((await admin.fund("outage_w", 100)).balance).toBe(100);

      await relay.cut();
      const health = await fetch(`${running.url}/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
      const refused = await refusal(admin.fund("outage_w", 5));
      expect(refused).toMatchObject({ status: 503, code: "DATABASE_UNAVAILABLE" });
      const read = await refusal(admin.balance("outage_w"));
      expect(read).toMatchObject({ status: 503, code: "DATABASE_UNAVAILABLE" });
      const retry = await fetch(`${running.url}/v1/admin/wallets/outage_w/fund`, {
        method: "POST",
        headers: { authorization: `Bearer ${running.generatedAdminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ amount: 5 }),
      });
      expect(retry.status).toBe(503);
      expect(retry.headers.get("retry-after")).toBe("5");

      await relay.restore();
      expect((await eventually(() => admin.fund("outage_w", 7))).balance).toBe(107);
      expect((await fetch(`${running.url}/health`)).status).toBe(200);
      const audit = (await admin.request<{ ok: boolean }>("GET", "/v1/admin/audit")).body;
      expect(audit.ok).toBe(true);
    } finally {
      await running.close();
      await relay.cut();
    }
  });

  it("listens again for other processes' job events once the database is back", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    const relay = await relayTo(Number(new URL(db.url).port));
    const heard: JobEvent[] = [];
    const listener = await listen(
      through(db.url, relay.port),
      "this-process",
      (events) => heard.push(...events),
      () => {},
    );
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      const event = (id: string) =>
        JSON.stringify({ origin: "other-process", events: [{ type: "job.state", job_id: id, state: "QUEUED" }] });
      await other.query("SELECT pg_notify($1, $2)", [CHANNEL, event("before")]);
      await eventually(async () => expect(heard.map((e) => e.job_id)).toEqual(["before"]));
      await relay.cut();
      // The first tries to listen again meet a closed port.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await relay.restore();
      await eventually(async () => {
        await other.query("SELECT pg_notify($1, $2)", [CHANNEL, event("after")]);
        expect(heard.map((e) => e.job_id)).toContain("after");
      }, 20_000);
    } finally {
      await other.end();
      await listener.close();
      await relay.cut();
    }
  });
});
