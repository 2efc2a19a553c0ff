// The HTTP thread's PostgreSQL read pool loses every connection when the database goes away. The
// engine logs the outage once when it begins and once when it ends; the pool adds no error-level line
// per lost connection (at most one warn, before the engine has noticed), and no line holds the
// database password.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorClient } from "../src/client.ts";
import { startCoordinator } from "../src/start.ts";
import { migratePostgresStore } from "../src/store/postgres/store.ts";
import { eventually, relayTo, through } from "./support/db-relay.ts";

describe("lost read-pool connections during a PostgreSQL outage", () => {
  const data = mkdtempSync(join(tmpdir(), "pithead-pool-errors-"));
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it("are folded into the outage's log lines: no error line per connection, no password", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    const password = decodeURIComponent(new URL(db.url).password);
    const relay = await relayTo(Number(new URL(db.url).port));
    const lines: { level: number; msg: string }[] = [];
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        raw.push(String(chunk));
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const running = await startCoordinator({
      flags: { db: through(db.url, relay.port), port: "0", dataDir: data, sweepIntervalMs: "100" },
      logger: { level: "info", stream },
    });
    try {
      const admin = new CoordinatorClient(running.url, running.generatedAdminKey);
      await admin.fund("pool_w", 10);
      // Several reads at once: the pool holds several connections.
      await Promise.all(Array.from({ length: 8 }, () => admin.balance("pool_w")));

      await relay.cut();
      await eventually(async () => {
        if (!lines.some((line) => line.msg.startsWith("database unreachable"))) throw new Error("not noticed yet");
      });
      await relay.restore();
      await eventually(() => admin.fund("pool_w", 1));
      await eventually(async () => {
        if (!lines.some((line) => line.msg === "database reachable again")) throw new Error("not over yet");
      });
    } finally {
      await running.close();
      await relay.cut();
    }
    const pool = lines.filter((line) => /pool|read connection/.test(line.msg));
    expect(pool.filter((line) => line.level >= 50)).toEqual([]);
    expect(pool.length).toBeLessThanOrEqual(1);
    expect(lines.filter((line) => line.msg.startsWith("database unreachable"))).toHaveLength(1);
    expect(password.length).toBeGreaterThan(0);
    expect(raw.join("")).not.toContain(`:${password}@`);
  });
});
