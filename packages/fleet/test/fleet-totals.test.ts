// What GET /miners says of the fleet's totals and of the miners the evidence gate blocked: the
// totals add up to the rows they cover and name every miner they leave out, totals from an older
// cycle (the latest one's market data was unusable) say so, and a gated miner's row shows the gate
// rather than only an older cycle's decision.

import { describe, expect, it } from "vitest";
import { fleetTotals, lastCycleView, minerSummary } from "../src/api/views.ts";
import { CgminerAdapter } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import { defaultFixedMarket, fixedSource, type PriceSource } from "../src/market/sources.ts";
import { OperatorController } from "../src/orchestrator/operator-controller.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

const cheap = { energyMicroUsdPerKwh: 5_000, poolFeePpm: 0 };
const minute = 60_000;

/** The fixed market, with a price that can turn absurd ($0.50, as a broken feed once said). */
function switchableMarket(clock: ManualClock) {
  const fixed = fixedSource(defaultFixedMarket, () => clock.now());
  const state = { tiny: false };
  const price: PriceSource = {
    name: "switchable",
    fetchPrice: async (signal) =>
      state.tiny
        ? {
            usdPerBtc: "0.50",
            microUsdPerBtc: 500_000,
            source: "switchable",
            sourceAt: new Date(clock.now()).toISOString(),
          }
        : fixed.fetchPrice(signal),
  };
  return { state, market: new MarketCache({ price, network: fixed, clock }) };
}

async function open(
  simulator: FleetSimulator,
  clock: ManualClock,
  market: MarketCache,
  models?: Record<string, string | undefined>,
) {
  const operator = operatorFor("op-t", simulator.endpoints(), { site: cheap });
  if (models) operator.miners = operator.miners.map((miner) => ({ ...miner, model: models[miner.id] }));
  const ledger = await openTestLedger();
  const controller = await OperatorController.open({
    operator,
    recorder: ledger.ledger,
    adapter: new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } }),
    market,
    clock,
    concurrency: 16,
  });
  return { controller, ledger };
}

const rows = (controller: OperatorController) => controller.miners().map((miner) => minerSummary(controller, miner.id));

describe("the fleet totals", () => {
  it("add up to the rows: a miner gated for an impossible hashrate is listed as left out, and an unknown margin's hashrate still counts", async () => {
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 3, clock, models: ["s19", "s19", "cgminer-asc"] });
    const { market } = switchableMarket(clock);
    // sim-003 says no model and no power, and none is configured: its margin is unknown.
    const { controller, ledger } = await open(simulator, clock, market, { "sim-001": "s19", "sim-002": "s19" });
    await using _ledger = ledger;
    await simulator.setFault("sim-002", { kind: "impossible", value: "hashrate-spike" });
    await controller.runCycle();

    const miners = rows(controller);
    const spiking = miners.find((miner) => miner.id === "sim-002");
    const unknown = miners.find((miner) => miner.id === "sim-003");
    expect(spiking?.gate).toMatchObject({ reason: "IMPOSSIBLE_HASHRATE", detail: expect.stringContaining("TH/s") });
    expect(unknown?.lastDecision).toMatchObject({ action: "HOLD", reason: "MARGIN_UNKNOWN" });

    const totals = fleetTotals(controller);
    expect(totals).toMatchObject({ current: true, marketUsable: true });
    expect(totals?.excludedMiners).toEqual([
      { minerId: "sim-002", reason: "IMPOSSIBLE_HASHRATE", inHashrate: false, inPower: false },
      { minerId: "sim-003", reason: "MARGIN_UNKNOWN", inHashrate: true, inPower: false },
    ]);
    // Hashrate: the believable rows, the unknown margin's included; power: the rows that report one.
    const believable = miners.filter((miner) => miner.id !== "sim-002");
    const hashrate = believable.reduce((sum, miner) => sum + Number(miner.hashrateThs), 0);
    expect(Number(totals?.hashrateThs)).toBeCloseTo(hashrate, 5);
    expect(Number(unknown?.hashrateThs)).toBeGreaterThan(0);
    expect(totals?.powerW).toBe(believable.reduce((sum, miner) => sum + (miner.powerW ?? 0), 0));
    // Money: the rows with a margin, exactly.
    const money = miners.reduce((sum, miner) => sum + (miner.margin?.marginUsdPerDay ?? 0), 0);
    expect(totals?.marginUsdPerDay).toBeCloseTo(money, 4);
  });

  it("from an older cycle say which and when, and the latest cycle says its market data was unusable and what the gate blocked", async () => {
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, models: ["s19"] });
    const { market, state } = switchableMarket(clock);
    const { controller, ledger } = await open(simulator, clock, market);
    await using _ledger = ledger;
    const first = await controller.runCycle();
    const before = rows(controller).map((miner) => miner.lastDecision?.reason);
    expect(before).toEqual(["RUNNING_PROFITABLY", "RUNNING_PROFITABLY"]);

    state.tiny = true;
    clock.advance(minute);
    const second = await controller.runCycle();

    expect(fleetTotals(controller)).toMatchObject({
      cycle: first.cycleSeq,
      at: first.now,
      current: false,
      marketUsable: false,
    });
    expect(lastCycleView(controller)).toMatchObject({
      cycleSeq: second.cycleSeq,
      marketUsable: false,
      gated: { IMPLAUSIBLE_PRICE: 2 },
      marketProblems: [{ code: "IMPLAUSIBLE_PRICE", detail: expect.stringContaining("0.50") }],
    });
    // Each row shows the gate of the latest cycle beside its older decision.
    for (const miner of rows(controller)) {
      expect(miner.gate).toMatchObject({ cycle: second.cycleSeq, reason: "IMPLAUSIBLE_PRICE" });
      expect(miner.lastDecision?.seq).toBeLessThan(second.cycleSeq);
    }

    state.tiny = false;
    clock.advance(minute);
    const third = await controller.runCycle();
    expect(fleetTotals(controller)).toMatchObject({ cycle: third.cycleSeq, current: true, marketUsable: true });
    expect(lastCycleView(controller)).toMatchObject({ gated: {}, marketUsable: true });
    expect(rows(controller).map((miner) => miner.gate)).toEqual([null, null]);
  });

  it("a miner the gate holds for lost comms shows LOST_COMMS, not its last 'poll failed, 2 of 3' decision", async () => {
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, models: ["s19"] });
    const { market } = switchableMarket(clock);
    const { controller, ledger } = await open(simulator, clock, market);
    await using _ledger = ledger;
    await controller.runCycle();
    await simulator.setFault("sim-001", { kind: "unreachable" });
    for (let i = 0; i < 4; i++) {
      clock.advance(minute);
      await controller.runCycle();
    }
    const miner = minerSummary(controller, "sim-001");
    expect(miner.lastDecision).toMatchObject({ reason: "POLL_FAILED" });
    expect(miner.gate).toMatchObject({
      reason: expect.stringContaining("LOST_COMMS"),
      detail: expect.stringContaining("4 failed polls in a row"),
    });
    expect(fleetTotals(controller)?.excludedMiners).toEqual([
      { minerId: "sim-001", reason: miner.gate?.reason, inHashrate: false, inPower: false },
    ]);
  });
});
