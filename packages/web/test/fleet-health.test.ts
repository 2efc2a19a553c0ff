// What the Fleet page says above its totals when the latest cycle could not be decided on market
// data: against a real controller whose price source answers an absurd $0.50, the totals are
// marked as an older cycle's (not shown as today's money) and the banner names the gate that held
// every miner.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetView } from "../app/api/fleet.ts";
import { gateBanner, latchedHashingNote, staleTotalsNote } from "../app/pages/fleet/fleet-health.ts";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";

let price = 100_000;
let source: Server;
let fleet: TestFleet;

beforeAll(async () => {
  source = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ bitcoin: { usd: price, last_updated_at: Math.floor(Date.now() / 1000) } }));
  });
  await new Promise<void>((resolve) => source.listen(0, "127.0.0.1", resolve));
  const { port } = source.address() as { port: number };
  fleet = await startTestFleet({
    SIMULATED_MINERS: "4",
    PRICE_SOURCE: "coingecko",
    PRICE_URL: `http://127.0.0.1:${port}`,
    MARKET_REFRESH_MS: "0",
  });
}, 120_000);

afterAll(async () => {
  await fleet?.close();
  await new Promise((resolve) => source?.close(resolve));
});

describe("the Fleet page's word on the latest cycle", () => {
  it("marks the totals as an older cycle's and names the gate when an absurd price held every miner", async () => {
    const first = await fleet.cycle();
    const fresh = await fleet.call<FleetView>("GET", `/operators/${OPERATOR}/miners`);
    expect(fresh.totals && staleTotalsNote(fresh.totals, fresh.lastCycle)).toBeNull();
    expect(gateBanner(fresh.lastCycle, fresh.count)).toBeNull();

    price = 0.5;
    const second = await fleet.cycle();
    const view = await fleet.call<FleetView>("GET", `/operators/${OPERATOR}/miners`);
    const note = view.totals && staleTotalsNote(view.totals, view.lastCycle);
    expect(note).toMatch(
      new RegExp(
        `^Totals from cycle #${first.cycleSeq} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, not the latest \\(#${second.cycleSeq}\\): the latest cycle's market data was unusable, so it has no totals\\.$`,
      ),
    );
    const banner = gateBanner(view.lastCycle, view.count);
    expect(banner?.tone).toBe("warn");
    expect(banner?.text).toContain(
      `In cycle #${second.cycleSeq} the evidence gate held miners without a decision: IMPLAUSIBLE_PRICE`,
    );
    expect(banner?.text).toContain("The market data was unusable (");
    expect(banner?.text).toContain("0.5");

    price = 100_000;
    await fleet.cycle();
    const again = await fleet.call<FleetView>("GET", `/operators/${OPERATOR}/miners`);
    expect(again.totals && staleTotalsNote(again.totals, again.lastCycle)).toBeNull();
  });
});

describe("the Fleet page's word on latched miners that hash again", () => {
  it("names a miner stopped by an operator that someone started by hand, and what clears it", () => {
    const rows = [
      { id: "sim-0004", hashrateThs: "89.9", latch: "STOPPED_BY_OPERATOR" as const },
      { id: "sim-0005", hashrateThs: "0", latch: "STOPPED_BY_OPERATOR" as const }, // stopped: its row says so
      { id: "sim-0006", hashrateThs: "90.1", latch: null },
    ];
    expect(latchedHashingNote(rows)).toBe(
      "Hashing again although sim-0004 stopped by an operator: started outside Pithead, so the controller takes no action on it. Start it from Pithead to clear the latch, or stop it again.",
    );
    expect(latchedHashingNote(rows.slice(1))).toBeNull();
  });
});
