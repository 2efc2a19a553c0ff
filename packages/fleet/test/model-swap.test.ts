// A miner swapped for another model at the same address, over real TCP: the simulator swaps an
// S19 for an S9 (and another for a Whatsminer) between cycles; the next cycle records the change as
// its own ledger record, warns in the cycle report, and GET /miners shows the new model and the swap.

import type { HttpServer } from "@pithead/http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { CgminerAdapter } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { recordTypes } from "../src/core/records.ts";
import type { CycleReport, OperatorController } from "../src/orchestrator/operator-controller.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 3, 1, 8));
let simulator: FleetSimulator;
let store: TestLedger;
let controller: OperatorController;
let server: HttpServer;
let swapped: CycleReport;

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 3, clock, models: ["s19"] });
  store = await openTestLedger("sqlite");
  // Routine polls leave out what a full poll learnt (the model among it): the swap must be seen anyway.
  const adapter = new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } });
  controller = await controllerFor(operatorFor("op-swap", simulator.endpoints()), store.ledger, clock, adapter);
  await controller.runCycle();
  clock.advance(60_000);
  await controller.runCycle();
  // Up longer than the S19 it replaces (moved from another rack): no reboot for the adapter to see.
  await simulator.swapModel("sim-001", "s9", { upForMs: 30 * 86_400_000 });
  await simulator.swapModel("sim-002", "m30s");
  clock.advance(60_000);
  swapped = await controller.runCycle();
  server = await createFleetServer({
    controllers: new Map([["op-swap", controller]]),
    ledger: store.ledger,
    clock,
    auth: { disabled: true, legacyBearer: false, maxSkewMs: 60_000 },
    logger: false,
  });
});

afterAll(async () => {
  await server?.close();
  await simulator?.close();
  await store?.[Symbol.asyncDispose]();
});

describe("a miner swapped for another model at the same address", () => {
  it("warns in the cycle report, naming the old and the new model", () => {
    expect(swapped.modelChanges).toEqual([
      expect.objectContaining({ minerId: "sim-001", from: "Antminer S19", to: "Antminer S9" }),
      expect.objectContaining({ minerId: "sim-002", from: "Antminer S19", to: expect.stringMatching(/^M30S/) }),
    ]);
  });

  it("records one fleet.model-change per swapped miner, citing the telemetry that showed it", async () => {
    const changes = [];
    const telemetrySeqs = new Map<number, string>();
    for await (const record of store.ledger.read(controller.partition)) {
      if (record.type === recordTypes.telemetry)
        telemetrySeqs.set(record.seq, (record.body as { minerId: string }).minerId);
      if (record.type === recordTypes.modelChange) changes.push(record);
    }
    expect(changes.map((r) => (r.body as { minerId: string }).minerId)).toEqual(["sim-001", "sim-002"]);
    for (const change of changes) {
      const cited = ((change.body as { cites?: number[] }).cites ?? []).map((seq) => telemetrySeqs.get(seq));
      expect(cited).toEqual([(change.body as { minerId: string }).minerId]);
    }
  });

  it("shows the new model and the swap on GET /miners, and nothing for the miner left alone", async () => {
    const response = await server.inject({ method: "GET", url: "/miners" });
    expect(response.statusCode).toBe(200);
    const miners = (response.json() as { miners: { id: string; model: string; modelChange: unknown }[] }).miners;
    const byId = new Map(miners.map((miner) => [miner.id, miner]));
    expect(byId.get("sim-001")).toMatchObject({
      model: "Antminer S9",
      modelChange: { from: "Antminer S19", to: "Antminer S9", at: expect.any(String) },
    });
    expect(byId.get("sim-003")).toMatchObject({ model: "Antminer S19", modelChange: null });
  });

  it("judges the S9 by its own nameplate: no RESTART for hashing 'far below' an S19's", () => {
    const s9 = swapped.decisions.find((d) => d.minerId === "sim-001");
    // An S9 at this energy price loses money: judged as an S9 (STOP UNPROFITABLE), not as an S19.
    expect(s9).toMatchObject({ action: "STOP", reason: "UNPROFITABLE" });
    expect(s9?.detail).not.toMatch(/S19/);
  });

  it("replays: the model change re-derives from the records it cites", async () => {
    const replay = await replayPartition(store.ledger, controller.partition, "op-swap");
    expect(replay.differences).toEqual([]);
    expect(replay.ok).toBe(true);
  });
});
