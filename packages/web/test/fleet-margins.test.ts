// The Fleet page's margin column against a real controller: every miner of the latest cycle has
// one however large the fleet (more than a page of 500 profit records), and a miner that stopped
// answering shows none instead of the margin of a cycle it was last seen in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetView, ProfitBody } from "../app/api/fleet.ts";
import { latestCycleMargins, marginsToShow } from "../app/pages/fleet/latest-margins.ts";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";

const MINERS = 520;
let big: TestFleet;
let small: TestFleet;

beforeAll(async () => {
  [big, small] = await Promise.all([
    startTestFleet({ SIMULATED_MINERS: String(MINERS) }),
    startTestFleet({ SIMULATED_MINERS: "12" }),
  ]);
  await Promise.all([big.cycle(), small.cycle()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([big?.close(), small?.close()]);
});

/** What the Fleet page shows in its margin column, read as the page reads it (pages of 500). */
const margins = async (fleet: TestFleet) => {
  const fleetView = await fleet.call<FleetView>("GET", `/operators/${OPERATOR}/miners`);
  const loaded = await latestCycleMargins(fleet.pages<ProfitBody>("profits", 500));
  return { shown: marginsToShow(loaded, fleetView.lastCycle?.cycleSeq ?? null, fleetView.miners), fleetView, loaded };
};

describe("the fleet's margins", () => {
  it(`covers every one of ${MINERS} miners in the latest cycle`, async () => {
    const { shown, fleetView, loaded } = await margins(big);
    expect(loaded.cycle).toBe(fleetView.lastCycle?.cycleSeq);
    expect(fleetView.miners).toHaveLength(MINERS);
    expect(fleetView.miners.filter((miner) => !shown.has(miner.id)).map((miner) => miner.id)).toEqual([]);
  }, 60_000);

  it("shows none for a miner whose latest poll failed, not the margin of an earlier cycle", async () => {
    // A few cycles with sim-003 answering, then one where it does not.
    await small.cycle();
    await small.service.simulator?.setFault("sim-003", { kind: "unreachable" });
    await small.cycle();
    const { shown, fleetView } = await margins(small);
    expect(fleetView.miners.find((miner) => miner.id === "sim-003")?.status).toBe("failed");
    expect(shown.has("sim-003")).toBe(false);
    expect(shown.size).toBe(11);
  }, 60_000);

  it("latest_margins_are_measured: a stalled miner shows $0 with its nameplate figure as 'if running', and the column adds up to the card", async () => {
    await small.service.simulator?.setFault("sim-005", { kind: "stalled" });
    await small.cycle();
    const { shown, fleetView } = await margins(small);
    expect(shown.get("sim-005")).toEqual({ marginUsdPerDay: 0, ifRunningUsdPerDay: expect.any(Number) });
    expect(shown.get("sim-005")?.ifRunningUsdPerDay).not.toBe(0);
    const column = [...shown.values()].reduce((sum, margin) => sum + margin.marginUsdPerDay, 0);
    expect(column).toBeCloseTo(fleetView.totals?.marginUsdPerDay as number, 4);
  }, 60_000);
});
