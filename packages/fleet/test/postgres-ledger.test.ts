// The controller on the deployment store: the same cycles into a PostgreSQL ledger (a real
// embedded server from the test run), which then verifies and replays.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadOrCreateSigner, migratePostgresLedger, openLedger } from "@pithead/ledger";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";

async function migrate(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migratePostgresLedger(pool);
  } finally {
    await pool.end();
  }
}

describe("fleet controller on a PostgreSQL ledger", () => {
  it("records two cycles that verify and replay", async () => {
    await using db = await pgTestDatabase("fleet_ledger", migrate);
    const clock = new ManualClock(Date.UTC(2026, 6, 1));
    await using simulator = await FleetSimulator.start({ miners: 12, clock, models: ["s19", "cgminer-asc", "m30s"] });
    simulator.miner("sim-001").setFault({ kind: "low-hashrate", fraction: 0.2 });
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-pg-"));
    const ledger = await openLedger({
      store: "postgres",
      url: db.url,
      signer: loadOrCreateSigner(join(dir, "key"), "fleet.pg"),
    });
    try {
      const controller = await controllerFor(
        operatorFor("op-pg", simulator.endpoints(), {
          site: { energyMicroUsdPerKwh: 20_000, poolFeePpm: 0 },
          policy: { underperformCycles: 2 },
        }),
        ledger,
        clock,
      );
      const first = await controller.runCycle();
      clock.advance(30_000);
      const second = await controller.runCycle();
      expect(first.polled).toEqual({ ok: 12, failed: 0 });
      expect(second.decisions.find((d) => d.minerId === "sim-001")).toMatchObject({
        action: "RESTART",
        reason: "UNDERPERFORMING",
      });
      expect(second.receipts).toEqual([
        expect.objectContaining({ minerId: "sim-001", action: "RESTART", status: "ok" }),
      ]);
      expect(second.checkpoint).toMatchObject({ size: await ledger.size("fleet/op-pg") });
      expect((await ledger.verify("fleet/op-pg")).ok).toBe(true);
      const replay = await replayPartition(ledger, "fleet/op-pg", "op-pg");
      expect(replay).toMatchObject({ ok: true, cycles: 2, differences: [] });
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
