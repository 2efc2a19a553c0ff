// What the running controller's loop logs: a cycle line names the cycle's ledger seq for what it
// is, and a full disk — every cycle failing, one per poll interval — is one line with its reason
// (no stack trace), then quiet, then one line when cycles succeed again; cycles longer than
// POLL_INTERVAL_MS are warned of once.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { loadFleetConfig } from "../src/config/load-config.ts";
import { type FleetService, startFleetService } from "../src/fleet-service.ts";
import { openTestLedger } from "./ledger.ts";

/** A real ENOSPC where the platform has /dev/full. */
function diskFull(): Error {
  try {
    writeFileSync("/dev/full", "x");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOSPC") return error as Error;
  }
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

type Line = { level: number; msg: string; [field: string]: unknown };

/**
 * The service on two simulated miners with its loop on and its log captured. A cycle every 20 ms,
 * faster than a configuration may ask (POLL_INTERVAL_MS is at least 1000): many cycles in a fraction
 * of a second. A clock that stands still: no summary (a "still failing", a repeated overrun warning)
 * falls due however slow this machine is.
 */
async function serviceLooping(dir: string): Promise<{ service: FleetService; lines: Line[] }> {
  const loaded = loadFleetConfig({ DATA_DIR: join(dir, "data"), SIMULATED_MINERS: "2", AUTH_DISABLED: "true" });
  const config = {
    ...loaded,
    operators: loaded.operators.map((operator) => ({
      ...operator,
      policy: { ...operator.policy, pollIntervalMs: 20 },
    })),
  };
  const lines: Line[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
  const clock = new ManualClock(Date.UTC(2026, 8, 1));
  const service = await startFleetService(config, { clock, port: 0, loop: true, logger: { level: "info", stream } });
  return { service, lines };
}

describe("the loop's log", () => {
  it("logs a full disk once with its reason and no stack, then the recovery; cycle lines carry cycleSeq", async () => {
    await using store = await openTestLedger("jsonl"); // only for its temporary directory
    const { service, lines } = await serviceLooping(store.dir);
    try {
      await until(() => lines.some((line) => line.msg === "cycle done"));
      const ledger = service.ledger;
      const appendBatch = ledger.appendBatch;
      let refused = 0;
      ledger.appendBatch = () => {
        refused += 1;
        return Promise.reject(diskFull());
      };
      await until(() => refused >= 10);
      // A monitor hears of it: /health says the disk is full while cycles cannot record.
      const full = await service.server.inject({ url: "/health" });
      expect(full.statusCode).toBe(507);
      expect(full.json().error.code).toBe("STORAGE_FULL");
      ledger.appendBatch = appendBatch;
      const restored = lines.length;
      await until(() => lines.slice(restored).some((line) => line.msg === "cycle done"));

      const done = lines.filter((line) => line.msg === "cycle done");
      for (const line of done) expect(line).not.toHaveProperty("cycle");
      const record = await ledger.get("fleet/default", done[0]?.cycleSeq as number);
      expect(record?.type).toBe("fleet.cycle");

      const failed = lines.filter((line) => line.msg.startsWith("cycle failed"));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        level: 50,
        operator: "default",
        code: "STORAGE_FULL",
        msg: "cycle failed: the disk holding the ledger is full (ENOSPC: no space left on device, write): no cycle can be recorded until space is freed",
      });
      expect(failed[0]).not.toHaveProperty("err");
      const recovered = lines.find((line) => line.msg.startsWith("cycles recovered"));
      expect(recovered).toMatchObject({ level: 30, code: "STORAGE_FULL", failedCycles: expect.any(Number) });
      expect(recovered?.failedCycles).toBeGreaterThanOrEqual(10);
      expect((await service.server.inject({ url: "/health" })).statusCode).toBe(200);
    } finally {
      await service.close();
    }
  });

  it("warns when cycles take longer than POLL_INTERVAL_MS: the running service's loop, not only the check", async () => {
    await using store = await openTestLedger("jsonl"); // only for its temporary directory
    const { service, lines } = await serviceLooping(store.dir);
    try {
      // A slow disk: each of a cycle's ledger batches takes 50 ms, so no cycle fits in 20 ms.
      const ledger = service.ledger;
      const appendBatch = ledger.appendBatch.bind(ledger);
      ledger.appendBatch = async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return await appendBatch(...args);
      };
      await until(() => lines.filter((line) => line.msg === "cycle done").length >= 3);
      const warnings = lines.filter((line) => line.level === 40 && String(line.msg).includes("POLL_INTERVAL_MS"));
      // One warning however many cycles overran (the next is due in ten minutes of the clock, which stands still).
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ operator: "default", intervalMs: 20, overruns: 1 });
      expect(warnings[0]?.msg).toMatch(
        /^a cycle took \d+ ms, longer than POLL_INTERVAL_MS \(20 ms\): the next one starts as soon as it ends/,
      );
    } finally {
      await service.close();
    }
  });
});
