import { memoryLogger } from "@pithead/miner";
import { describe, expect, it } from "vitest";
import { MinerWatch } from "./miner-watch.ts";

describe("pithead up watching its compute miner", () => {
  it("starts once the miner has registered", async () => {
    const watch = new MinerWatch(memoryLogger());
    let registered = false;
    setTimeout(() => {
      registered = true;
    }, 20);
    await expect(watch.untilRegistered(() => registered, 60_000, 5)).resolves.toBeUndefined();
  });

  it("does not start when the coordinator refuses the miner: the miner's error line says why", async () => {
    const inner = memoryLogger();
    const watch = new MinerWatch(inner);
    setTimeout(() =>
      watch.logger.error("the coordinator refuses this miner's credentials: check API_KEY and MINER_ID", {
        error: "403 MINER_ID_TAKEN: This miner id is registered to another key",
      }),
    );
    await expect(watch.untilRegistered(() => false, 60_000)).rejects.toThrow(
      "the coordinator refuses this miner's credentials: check API_KEY and MINER_ID (403 MINER_ID_TAKEN: This miner id is registered to another key)",
    );
    // The miner's log file still gets the line.
    expect(inner.lines.join("\n")).toContain("MINER_ID_TAKEN");
  });

  it("passes on each error line after start, for the terminal", () => {
    const watch = new MinerWatch(memoryLogger());
    const reported: string[] = [];
    watch.reportErrors((line) => reported.push(line));
    watch.logger.warn("coordinator unavailable; retrying with backoff", { error: "ECONNREFUSED" });
    watch.logger.error("the coordinator refuses this miner's credentials: check API_KEY and MINER_ID", {
      error: "401 UNAUTHORIZED",
    });
    expect(reported).toEqual([
      "the coordinator refuses this miner's credentials: check API_KEY and MINER_ID (401 UNAUTHORIZED)",
    ]);
  });
});
