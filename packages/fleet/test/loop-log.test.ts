// What the running controller's loop logs: a cycle line names the cycle's ledger seq for what it
// is, and a full disk — every cycle failing, one per poll interval — is one line with its reason
// (no stack trace), then quiet, then one line when cycles succeed again.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { loadFleetConfig } from "../src/config/load-config.ts";
import { startFleetService } from "../src/fleet-service.ts";
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

describe("the loop's log", () => {
  it("logs a full disk once with its reason and no stack, then the recovery; cycle lines carry cycleSeq", async () => {
    await using store = await openTestLedger("jsonl"); // only for its temporary directory
    const loaded = loadFleetConfig({ DATA_DIR: join(store.dir, "data"), SIMULATED_MINERS: "2", AUTH_DISABLED: "true" });
    // A cycle every 20 ms, faster than a configuration may ask (POLL_INTERVAL_MS is at least 1000):
    // ten failing cycles in a fraction of a second.
    const config = {
      ...loaded,
      operators: loaded.operators.map((operator) => ({
        ...operator,
        policy: { ...operator.policy, pollIntervalMs: 20 },
      })),
    };
    const lines: { level: number; msg: string; [field: string]: unknown }[] = [];
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
    // A clock that stands still: no "still failing" summary falls due however slow this machine is.
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const service = await startFleetService(config, { clock, port: 0, loop: true, logger: { level: "info", stream } });
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
});
