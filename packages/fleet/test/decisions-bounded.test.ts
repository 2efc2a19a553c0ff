// The state a controller keeps (in memory and in its snapshot) holds the acting decisions of the
// latest cycle and those a person sent, not every cycle's: a miner held back (MANUAL mode here)
// is decided again each cycle, and kept they grew the state without end (about 250 decisions a
// cycle at 2,000 simulated miners). A person's command stays answerable by its idempotency key.

import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import type { FleetState } from "../src/core/memory.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 10, 2, 8));
const simulators: FleetSimulator[] = [];

afterAll(async () => {
  for (const simulator of simulators) await simulator.close();
});

describe("decisions kept in the state", () => {
  it("are the latest cycle's and a person's, however many cycles decided a held-back action", async () => {
    const simulator = await FleetSimulator.start({ miners: 6, clock, models: ["s19", "avalon-1246"] });
    simulators.push(simulator);
    simulator.miner("sim-002").setFault({ kind: "over-temperature" });
    clock.advance(10 * 60_000);
    await using store = await openTestLedger("sqlite");
    const operator = operatorFor("op-bound", simulator.endpoints(), { mode: "MANUAL" });
    const controller = await controllerFor(operator, store.ledger, clock);
    const first = await controller.manualCommand("sim-001", "RESTART", "operator:op-bound", "maintenance", "key-1");
    const held: string[] = [];
    for (let cycle = 0; cycle < 8; cycle++) {
      clock.advance(30_000);
      const report = await controller.runCycle();
      held.push(...report.decisions.filter((d) => d.action !== "HOLD").map((d) => d.decisionId));
    }
    expect(held.length).toBeGreaterThanOrEqual(8); // the hot miner's STOP, decided and held back each cycle
    const state = (controller as unknown as { state: FleetState }).state;
    const lastCycle = state.lastCycle?.seq;
    expect([...state.decisions.values()].every((d) => d.cycle === null || d.cycle === lastCycle)).toBe(true);
    expect(state.decisions.size).toBeLessThanOrEqual(1 + held.length / 8);
    // The person's command is still the answer to its key: not sent a second time.
    const commands = simulator.miner("sim-001").commandLog.length;
    const again = await controller.manualCommand("sim-001", "RESTART", "operator:op-bound", "maintenance", "key-1");
    expect(again).toMatchObject({ replayed: true, decisionSeq: first.decisionSeq, decisionId: first.decisionId });
    expect(simulator.miner("sim-001").commandLog.length).toBe(commands);
  });
});
