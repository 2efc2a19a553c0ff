// Acceptance: a PostgreSQL outage longer than the lease TTL and the heartbeat timeout, under a
// running coordinator whose miner keeps heartbeating (answered 503 meanwhile). Time the
// coordinator could not hear does not count against the miner: once the database is back, the
// proof it finished is accepted and the job completes on its first attempt. Meanwhile /metrics
// still answers (database_up 0), the outage is logged once, not once per failed sweep, and a
// long-poll that runs out during it answers 503, not "no job".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { startCoordinator } from "../src/start.ts";
import { migratePostgresStore } from "../src/store/postgres/store.ts";
import { sha256 } from "./support/coordinator.ts";
import { relayTo, through } from "./support/db-relay.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a PostgreSQL outage longer than the lease TTL, with a miner heartbeating throughout", () => {
  const data = mkdtempSync(join(tmpdir(), "pithead-outage-miners-"));
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it("accepts the miner's proof after it and completes the job on attempt 1; /metrics answers throughout; logs the outage once", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    const relay = await relayTo(Number(new URL(db.url).port));
    const logs: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    const running = await startCoordinator({
      flags: {
        db: through(db.url, relay.port),
        port: "0",
        dataDir: data,
        sweepIntervalMs: "100",
        leaseTtlS: "1",
        heartbeatTimeoutS: "1",
      },
      logger: { level: "info", stream },
    });
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const response = await fetch(running.url + path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
    };
    /** Retries while the database is not back (503). */
    const once = async (method: string, path: string, key: string, body?: unknown) => {
      for (let tries = 0; ; tries++) {
        const answer = await call(method, path, key, body);
        if (answer.status !== 503 || tries > 100) return answer;
        await sleep(100);
      }
    };
    const metric = async (name: string) => {
      const response = await fetch(`${running.url}/metrics`);
      const text = await response.text();
      return { status: response.status, text, value: text.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1] };
    };
    let beating = true;
    let beats: Promise<void> = Promise.resolve();
    try {
      const admin = running.generatedAdminKey ?? "";
      const created = async (role: string, extra: object = {}) =>
        String((await call("POST", "/v1/admin/keys", admin, { role, ...extra })).body.key);
      const client = await created("client", { wallet: "outage_client" });
      expect((await call("POST", "/v1/admin/wallets/outage_client/fund", admin, { amount: 1000 })).status).toBe(200);
      const miner = await created("miner");
      const heartbeat = () =>
        call("POST", "/v1/miner/heartbeat", miner, {
          miner_id: "outage-miner",
          wallet: "outage_miner_w",
          mode: "cpu",
          gpu: 0,
          capabilities: { workloads: ["outage_work"] },
        });
      expect((await heartbeat()).status).toBe(200);
      const job = await call("POST", "/v1/jobs", client, { workload: "outage_work", reward: 100 });
      const jobId = String(job.body.id);
      const next = await call("GET", "/v1/miner/next?miner=outage-miner&slots=1", miner);
      expect(next.body.id).toBe(jobId);
      beats = (async () => {
        while (beating) {
          await heartbeat().catch(() => {});
          await sleep(200);
        }
      })();
      expect((await metric("pithead_coordinator_database_up")).value).toBe("1");

      // A long-poll waiting when the database goes: it ends without a job because the coordinator
      // could not look, and says so (503), not "nothing for you" (204), which reads as "back up".
      const waiting = call("GET", "/v1/miner/next?miner=outage-miner&slots=2&wait=1", miner);
      await sleep(200);
      await relay.cut();
      const ended = await waiting;
      expect([ended.status, (ended.body?.error as { code?: string } | undefined)?.code]).toEqual([
        503,
        "DATABASE_UNAVAILABLE",
      ]);
      await sleep(1_500);
      const down = await metric("pithead_coordinator_database_up");
      expect(down.status).toBe(200);
      expect(down.value).toBe("0");
      expect(down.text).toMatch(/^pithead_coordinator_http_requests_total\{/m);
      expect(down.text).not.toMatch(/^pithead_coordinator_jobs\{/m);
      await sleep(1_500); // down for 3 s: past the 1 s lease TTL and heartbeat timeout
      await relay.restore();

      const proof = await once("POST", "/v1/miner/proof", miner, {
        id: jobId,
        output_sha: sha256("done"),
        output: "done",
        metrics: {},
      });
      expect(proof.status).toBe(200);
      const view = await once("GET", `/v1/jobs/${jobId}`, client);
      expect(view.body).toMatchObject({ state: "COMPLETED", attempt: 1 });
      expect((await metric("pithead_coordinator_database_up")).value).toBe("1");

      const lines = logs.join("");
      expect(lines).not.toContain("sweep failed");
      expect(lines).not.toContain("ledger checkpoint failed");
      const outages = lines.match(/database unreachable/g) ?? [];
      expect(outages.length).toBeGreaterThanOrEqual(1);
      expect(outages.length).toBeLessThanOrEqual(2); // a stale pooled connection may fail once more after it
      expect(lines).toContain("database reachable again");
    } finally {
      beating = false;
      await beats;
      await running.close();
      await relay.cut();
    }
  });
});
