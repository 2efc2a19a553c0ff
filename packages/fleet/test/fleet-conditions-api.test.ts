// GET /miners says the controller's fleet-wide conditions (fleet-conditions.ts), the ones its log
// warns of, so the dashboard shows those rather than its own version: a real controller over the
// simulator with a share of the fleet unreachable and the price source failing, then recovered;
// and after a restart, before a cycle ran, it says they are not known rather than inventing them.

import type { HttpServer } from "@pithead/http";
import { afterEach, describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { CgminerAdapter } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import { defaultFixedMarket, fixedSource, type PriceSource } from "../src/market/sources.ts";
import type { FleetCondition } from "../src/orchestrator/fleet-conditions.ts";
import { OperatorController } from "../src/orchestrator/operator-controller.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { listenLocal, operatorFor } from "./helpers.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const minute = 60_000;
const cleanup: (() => PromiseLike<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** The fixed market, with a price source that can fail as a feed answering 503 does. */
function failingPrice(clock: ManualClock) {
  const fixed = fixedSource(defaultFixedMarket, () => clock.now());
  const state = { failing: false };
  const price: PriceSource = {
    name: "flaky",
    fetchPrice: async (signal) => {
      if (state.failing) throw new Error("HTTP 503 from https://price.example");
      return fixed.fetchPrice(signal);
    },
  };
  return { state, market: new MarketCache({ price, network: fixed, clock }) };
}

async function serve(controller: OperatorController, ledger: TestLedger, clock: ManualClock) {
  const server: HttpServer = await createFleetServer({
    controllers: new Map([[controller.operator.id, controller]]),
    ledger: ledger.ledger,
    clock,
    auth: { disabled: true, legacyBearer: false, maxSkewMs: 60_000 },
    logger: false,
  });
  cleanup.push(() => server.close());
  const base = await listenLocal(server);
  return async (path: string) => {
    const response = await fetch(`${base}${path}`);
    expect(response.status).toBe(200);
    return (await response.json()) as {
      conditions: FleetCondition[];
      conditionsNote: string | null;
      lastCycle: { cycleSeq: number; fromLedger: boolean };
    };
  };
}

async function setUp() {
  const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
  const simulator = await FleetSimulator.start({ miners: 10, clock });
  cleanup.push(() => simulator.close());
  const ledger = await openTestLedger();
  cleanup.push(() => ledger[Symbol.asyncDispose]());
  // Cheap energy: every miner is worth running, so no STOP the firmware cannot carry out.
  const operator = operatorFor("op-c", simulator.endpoints(), { site: { energyMicroUsdPerKwh: 5_000, poolFeePpm: 0 } });
  const { state, market } = failingPrice(clock);
  const open = () =>
    OperatorController.open({
      operator,
      recorder: ledger.ledger,
      adapter: new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } }),
      market,
      clock,
      concurrency: 16,
    });
  return { clock, simulator, ledger, state, open };
}

describe("GET /miners conditions", () => {
  it("says the controller's conditions: a share of the fleet unreachable and the price source failing, then cleared", async () => {
    const { clock, simulator, ledger, state, open } = await setUp();
    const controller = await open();
    const get = await serve(controller, ledger, clock);
    await controller.runCycle();
    expect((await get("/miners")).conditions).toEqual([]);

    const troubleAt = clock.now() + minute;
    clock.advance(minute);
    for (const id of ["sim-002", "sim-005", "sim-008"]) await simulator.setFault(id, { kind: "unreachable" });
    state.failing = true;
    await controller.runCycle();
    clock.advance(minute);
    await controller.runCycle();

    const scoped = await get("/operators/op-c/miners");
    const alias = await get("/miners");
    expect(alias.conditions).toEqual(scoped.conditions);
    expect(scoped.conditionsNote).toBeNull();
    const byCode = new Map(scoped.conditions.map((condition) => [condition.code, condition]));
    expect(byCode.get("polls-failed")).toEqual({
      code: "polls-failed",
      severity: "warn",
      since: new Date(troubleAt).toISOString(),
      cycles: 2,
      count: 3,
      of: 10,
      text: expect.stringMatching(/^3 of 10 miners: polls failed: failed polls by why: \S+ 3$/),
      examples: ["sim-002", "sim-005", "sim-008"],
    });
    expect(byCode.get("price-source")).toEqual({
      code: "price-source",
      severity: "warn",
      since: new Date(troubleAt).toISOString(),
      cycles: 2,
      count: 1,
      of: null,
      // The cached figure in use is the last good one, from the fixed source.
      text: "the price source is failing: fixed: HTTP 503 from https://price.example",
      examples: [],
    });

    // Recovered: the next cycle's answer no longer lists them.
    clock.advance(minute);
    for (const id of ["sim-002", "sim-005", "sim-008"]) await simulator.clearFault(id, "unreachable");
    state.failing = false;
    await controller.runCycle();
    const codes = (await get("/miners")).conditions.map((condition) => condition.code);
    expect(codes).not.toContain("polls-failed");
    expect(codes).not.toContain("price-source");

    // Documented: the OpenAPI document describes the field on both routes.
    const document = (await get("/openapi.json")) as unknown as {
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }>;
    };
    for (const path of ["/miners", "/operators/{operatorId}/miners"]) {
      const schema = document.paths[path]?.get.responses["200"]?.content["application/json"]?.schema as {
        properties: { conditions: { items: { required: string[] } } };
      };
      expect(schema.properties.conditions.items.required).toEqual(
        expect.arrayContaining(["code", "severity", "since", "text", "examples"]),
      );
    }
  }, 60_000);

  it("after a restart, before a cycle ran, reads them back from the records and says what it cannot know", async () => {
    const { clock, simulator, ledger, state, open } = await setUp();
    const first = await open();
    await first.runCycle();
    clock.advance(minute);
    for (const id of ["sim-003", "sim-006"]) await simulator.setFault(id, { kind: "unreachable" });
    state.failing = true;
    await first.runCycle();
    const live = first.fleetConditions?.map((condition) => condition.code);
    expect(live).toEqual(expect.arrayContaining(["polls-failed", "price-source"]));

    const restarted = await open();
    const get = await serve(restarted, ledger, clock);
    const before = await get("/miners");
    expect(before.lastCycle.fromLedger).toBe(true);
    const polls = before.conditions.find((condition) => condition.code === "polls-failed");
    // Which miners, from their records; since when and why, not: null and said, not invented.
    expect(polls).toEqual({
      code: "polls-failed",
      severity: "warn",
      since: null,
      cycles: null,
      count: 2,
      of: 10,
      text: `2 of 10 miners: polls failed in cycle #${before.lastCycle.cycleSeq} (why is in their telemetry records)`,
      examples: ["sim-003", "sim-006"],
    });
    expect(before.conditions.map((condition) => condition.code)).not.toContain("price-source");
    expect(before.conditionsNote).toMatch(
      /^Read back from the records of cycle #\d+, .*not known.*price or network source/,
    );

    clock.advance(minute);
    await restarted.runCycle();
    const after = await get("/miners");
    expect(after.conditionsNote).toBeNull();
    expect(after.conditions.map((condition) => condition.code)).toEqual(
      expect.arrayContaining(["polls-failed", "price-source"]),
    );
  }, 60_000);
});
