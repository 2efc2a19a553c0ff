// How a cycle reaches the ledger: a fixed handful of batches (each one transaction and one
// durable flush), whatever the fleet size, in the tier order the citations need.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { recordTypes } from "../src/core/records.ts";
import type { Recorder } from "../src/orchestrator/recorder.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 3, 1, 9));
let simulator: FleetSimulator;
let store: TestLedger;

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 60, clock, models: ["s19", "m30s", "avalon-1246"] });
  store = await openTestLedger("sqlite");
});

afterAll(async () => {
  await simulator?.close();
  await store?.[Symbol.asyncDispose]();
});

/** The ledger, with every appendBatch's record types kept. */
function counting(recorder: Recorder): { recorder: Recorder; batches: string[][] } {
  const batches: string[][] = [];
  return {
    batches,
    recorder: {
      append: (...args) => recorder.append(...args),
      appendBatch: (partition, entries) => {
        batches.push(entries.map((entry) => entry.type));
        return recorder.appendBatch(partition, entries);
      },
      get: (...args) => recorder.get(...args),
      read: (...args) => recorder.read(...args),
      size: (...args) => recorder.size(...args),
      checkpoint: (partition) => store.ledger.checkpoint(partition),
    },
  };
}

describe("a cycle's ledger batches", () => {
  it("writes a 60-miner cycle in three batches: the cycle with its observations, the evidence, the decisions", async () => {
    const { recorder, batches } = counting(store.ledger);
    const operator = operatorFor("op-batches", simulator.endpoints(), {
      site: { energyMicroUsdPerKwh: 40_000, poolFeePpm: 20_000 },
    });
    const controller = await controllerFor(operator, recorder, clock);
    batches.length = 0; // opening wrote the configuration
    const report = await controller.runCycle();
    expect(report.polled.ok).toBe(60);
    expect(batches.map((types) => [...new Set(types)].sort())).toEqual([
      [recordTypes.cycle, recordTypes.network, recordTypes.price, recordTypes.telemetry],
      [recordTypes.profit],
      [recordTypes.decision, recordTypes.profit],
    ]);
    // The observations: price, network, then one telemetry record per miner in configuration order.
    const observations = [];
    for await (const record of store.ledger.read(controller.partition, { type: recordTypes.telemetry })) {
      observations.push((record.body as { minerId: string }).minerId);
    }
    expect(observations).toEqual(operator.miners.map((miner) => miner.id));
    expect(batches[0]?.slice(0, 3)).toEqual([recordTypes.cycle, recordTypes.price, recordTypes.network]);

    // A second cycle, nothing to dispatch either: the same three batches.
    clock.advance(30_000);
    batches.length = 0;
    await controller.runCycle();
    expect(batches).toHaveLength(3);
  });
});
