// A thermal stop latches (decision rules 4): a miner the controller stopped for OVER_TEMPERATURE
// stays stopped when it cools, until an operator starts it. Before, it was started again as soon
// as it cooled and tripped again at every warm-up. An operator's stop latches the same way, and
// the API says which latch holds a miner and why. A ledger written under rules 3 (by the release
// before: ledgers/rules-3-thermal-restart.jsonl, its STOP, RUN PROFITABLE_AGAIN, STOP, RUN) still
// replays: its RUNs are reported as decided under older rules, with what differs.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { ManualClock } from "../src/clock.ts";
import { decisionRulesVersion } from "../src/core/rules-version.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { formatReplay } from "../src/report/format.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";
import { appendRecordedLedger } from "./recorded-ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 5, 1, 6));
let simulator: FleetSimulator;

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 1, clock, models: ["avalon-1246"] });
  await simulator.setFault("sim-001", { kind: "over-temperature" });
  clock.advance(10 * 60_000); // the chips climb past the stop level
});
afterAll(async () => {
  await simulator?.close();
});

describe("the thermal latch", () => {
  it("an Avalon stopped at 97 °C is not started again when it cools: HOLD THERMAL_LATCH until an operator starts it", async () => {
    await using store = await openTestLedger("sqlite");
    const controller = await controllerFor(
      operatorFor("op-hot", simulator.endpoints(), { policy: { cooldownMs: 5_000 } }),
      store.ledger,
      clock,
    );
    const decisions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const report = await controller.runCycle();
      decisions.push(...report.decisions.map((d) => `${d.action} ${d.reason}`));
      clock.advance(5 * 60_000);
    }
    expect(decisions).toEqual([
      "STOP OVER_TEMPERATURE",
      "HOLD THERMAL_LATCH",
      "HOLD THERMAL_LATCH",
      "HOLD THERMAL_LATCH",
    ]);
    const sent = simulator.miner("sim-001").commandLog.filter((command) => command.startsWith("ascset"));
    expect(sent).toEqual([expect.stringMatching(/^ascset\|0,softoff,1:\d+$/)]);
    // What the controller remembers, and why (the miner view's memory).
    const { memory } = controller.minerView("sim-001");
    expect(memory).toMatchObject({
      stoppedByController: true,
      stoppedFor: { reason: "OVER_TEMPERATURE", decisionId: expect.stringMatching(/^op-hot:\d+:sim-001$/) },
      latch: "THERMAL_LATCH",
    });

    // An operator starts it: the latch is cleared, and the controller governs it again (stopping it
    // at the next trip, as before).
    const started = await controller.manualCommand("sim-001", "RUN", "operator:op-hot");
    expect(started.outcome).toMatchObject({ kind: "receipt", body: { status: "ok" } });
    expect(controller.minerView("sim-001").memory).toMatchObject({ stoppedByController: false, latch: null });
    clock.advance(10 * 60_000);
    const next = await controller.runCycle();
    expect(next.decisions).toEqual([expect.objectContaining({ action: "STOP", reason: "OVER_TEMPERATURE" })]);

    const replay = await replayPartition(store.ledger, controller.partition, "op-hot");
    expect(replay).toMatchObject({ ok: true, differences: [], rules: decisionRulesVersion });
  });

  it("the API says why each stopped miner is stopped and that only an operator clears it (latch, stoppedFor)", async () => {
    const rack = await FleetSimulator.start({ miners: 3, clock, models: ["avalon-1246"], idPrefix: "rack" });
    await using store = await openTestLedger("sqlite");
    const controller = await controllerFor(
      operatorFor("op-api", rack.endpoints(), { policy: { cooldownMs: 5_000 } }),
      store.ledger,
      clock,
    );
    const server = await createFleetServer({
      controllers: new Map([["op-api", controller]]),
      ledger: store.ledger,
      clock,
      auth: { disabled: true, legacyBearer: false, maxSkewMs: 60_000 },
      logger: false,
    });
    try {
      await rack.setFault("rack-001", { kind: "over-temperature" });
      clock.advance(10 * 60_000);
      await controller.runCycle(); // rack-001 is stopped for over-temperature
      const stop = await server.inject({
        method: "POST",
        url: "/miners/rack-002/stop",
        payload: { reason: "fan swap" },
      });
      expect(stop.statusCode).toBe(200);
      clock.advance(5 * 60_000);
      const next = await controller.runCycle();
      expect(next.decisions.map((d) => `${d.minerId} ${d.action} ${d.reason}`)).toEqual([
        "rack-001 HOLD THERMAL_LATCH",
        "rack-002 HOLD STOPPED_BY_OPERATOR",
        "rack-003 HOLD RUNNING_PROFITABLY",
      ]);

      const { miners } = (await server.inject({ url: "/miners" })).json() as { miners: Record<string, unknown>[] };
      expect(
        miners.map(({ id, stoppedByController, stoppedFor, latch }) => ({
          id,
          stoppedByController,
          stoppedFor,
          latch,
        })),
      ).toEqual([
        {
          id: "rack-001",
          stoppedByController: true,
          stoppedFor: { reason: "OVER_TEMPERATURE", decisionId: expect.stringMatching(/^op-api:\d+:rack-001$/) },
          latch: "THERMAL_LATCH",
        },
        {
          id: "rack-002",
          stoppedByController: true,
          stoppedFor: { reason: "MANUAL_COMMAND", decisionId: stop.json().decisionId },
          latch: "STOPPED_BY_OPERATOR",
        },
        { id: "rack-003", stoppedByController: false, stoppedFor: null, latch: null },
      ]);
      // One miner's view says the same.
      expect((await server.inject({ url: "/miners/rack-002" })).json()).toMatchObject({
        latch: "STOPPED_BY_OPERATOR",
        memory: { latch: "STOPPED_BY_OPERATOR", stoppedFor: { reason: "MANUAL_COMMAND" } },
      });
    } finally {
      await server.close();
      await rack.close();
    }
  });

  it("a ledger written under rules 3, which restarted the cooled miner, still replays: the RUNs are rules-changed, naming HOLD against RUN", async () => {
    await using store = await openTestLedger("jsonl");
    await appendRecordedLedger(
      store.ledger,
      "fleet/op-thermal",
      new URL("./ledgers/rules-3-thermal-restart.jsonl", import.meta.url),
    );

    const replay = await replayPartition(store.ledger, "fleet/op-thermal", "op-thermal");
    expect(replay.ok).toBe(true);
    expect(replay.olderRules.cycles).toBe(4);
    const changed = replay.differences.filter((d) => d.type === "fleet.decision");
    expect(changed).toHaveLength(2);
    for (const difference of changed) {
      expect(difference).toMatchObject({
        kind: "rules-changed",
        expected: { action: "HOLD", reason: "THERMAL_LATCH" },
        actual: { action: "RUN", reason: "PROFITABLE_AGAIN" },
      });
      expect(difference.detail).toContain(
        `(changed; the cycle was decided under decision rules 3, replayed under rules ${decisionRulesVersion})`,
      );
    }
    // The text report says what differs, not only that something does.
    expect(formatReplay(replay)).toMatch(
      /rules-changed fleet\.decision 'sim-001' \(the cycle at ledger record #\d+\): fleet\.decision #\d+ differs from its re-derivation: expected HOLD THERMAL_LATCH, recorded RUN PROFITABLE_AGAIN/,
    );
  });
});
