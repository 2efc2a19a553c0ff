// A latched miner that someone started by hand (at the miner, outside Pithead) hashes again, and
// the latch must still hold it (decision rules 5): HOLD STOPPED_BY_OPERATOR (or THERMAL_LATCH)
// saying it hashes again and what clears it, never HOLD RUNNING_PROFITABLY as if nobody had
// stopped it; the log warns once. A ledger written under rules 4
// (ledgers/rules-4-operator-stop-hashing.jsonl: STOP by an operator, started by hand, then HOLD
// RUNNING_PROFITABLY) still replays, its HOLDs reported as decided under older rules.

import { describe, expect, it } from "vitest";
import { minerSummary } from "../src/api/views.ts";
import { ManualClock } from "../src/clock.ts";
import { decisionRulesVersion } from "../src/core/rules-version.ts";
import { CycleLog } from "../src/orchestrator/cycle-log.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";
import { appendRecordedLedger } from "./recorded-ledger.ts";

const cheap = { energyMicroUsdPerKwh: 5_000, poolFeePpm: 0 };

/** What a person at the miner does: switch the hashboards back on over its own API. */
function startByHand(simulator: FleetSimulator, minerId: string, clock: ManualClock): void {
  const at = Math.floor(clock.now() / 1000);
  simulator.miner(minerId).handle(JSON.stringify({ command: "ascset", parameter: `0,softon,1:${at}` }));
}

function capture() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (_fields: object, message: string) => lines.push({ level, message });
  return { lines, log: { info: at("info"), warn: at("warn"), error: at("error") } };
}

describe("a latched miner that hashes again", () => {
  it("stopped by an operator and started by hand: held STOPPED_BY_OPERATOR saying so, warned of once", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 1, 6));
    await using simulator = await FleetSimulator.start({ miners: 1, clock, models: ["avalon-1246"] });
    await using store = await openTestLedger();
    const controller = await controllerFor(
      operatorFor("op-latch", simulator.endpoints(), { policy: { cooldownMs: 5_000 }, site: cheap }),
      store.ledger,
      clock,
    );
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-latch", clock, log });
    cycles.done(await controller.runCycle());
    clock.advance(60_000);
    await controller.manualCommand("sim-001", "STOP", "operator:op-latch", "maintenance");
    clock.advance(60_000);
    cycles.done(await controller.runCycle());
    startByHand(simulator, "sim-001", clock);
    const decided: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      const report = await controller.runCycle();
      cycles.done(report);
      decided.push(...report.decisions.map((d) => `${d.action} ${d.reason}`));
      expect(report.receipts).toEqual([]);
    }
    expect(decided).toEqual(["HOLD STOPPED_BY_OPERATOR", "HOLD STOPPED_BY_OPERATOR", "HOLD STOPPED_BY_OPERATOR"]);
    const miner = minerSummary(controller, "sim-001");
    expect(Number(miner.hashrateThs)).toBeGreaterThan(0);
    expect(miner.latch).toBe("STOPPED_BY_OPERATOR");
    expect(miner.lastDecision?.detail).toMatch(
      /^hashing again \([\d.]+ TH\/s\) although stopped by an operator's command \(decision [^)]+\): someone started it outside Pithead; the controller takes no action on it until an operator starts it from Pithead \(clears the latch\) or stops it again/,
    );
    const warnings = lines.filter((line) => line.level === "warn").map((line) => line.message);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^1 of 1 miners: hashing again although latched \(STOPPED_BY_OPERATOR\), held without action: hashing again/,
      ),
    ]);

    // Started from Pithead, the latch clears and the controller governs it again.
    await controller.manualCommand("sim-001", "RUN", "operator:op-latch");
    clock.advance(60_000);
    const after = await controller.runCycle();
    expect(after.decisions.map((d) => `${d.action} ${d.reason}`)).toEqual(["HOLD RUNNING_PROFITABLY"]);
    const replay = await replayPartition(store.ledger, controller.partition, "op-latch");
    expect(replay).toMatchObject({ ok: true, differences: [], rules: decisionRulesVersion });
  });

  it("stopped for over-temperature and started by hand once cool: held THERMAL_LATCH saying it hashes again", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 1, 6));
    await using simulator = await FleetSimulator.start({ miners: 1, clock, models: ["avalon-1246"] });
    await simulator.setFault("sim-001", { kind: "over-temperature" });
    clock.advance(10 * 60_000);
    await using store = await openTestLedger();
    const controller = await controllerFor(
      operatorFor("op-hot", simulator.endpoints(), { policy: { cooldownMs: 5_000 }, site: cheap }),
      store.ledger,
      clock,
    );
    expect((await controller.runCycle()).decisions.map((d) => d.reason)).toEqual(["OVER_TEMPERATURE"]);
    simulator.miner("sim-001").clearFault("over-temperature");
    clock.advance(15 * 60_000); // it cools
    startByHand(simulator, "sim-001", clock);
    clock.advance(60_000);
    const report = await controller.runCycle();
    expect(report.decisions).toEqual([
      expect.objectContaining({
        action: "HOLD",
        reason: "THERMAL_LATCH",
        detail: expect.stringMatching(/^hashing again \([\d.]+ TH\/s\) although stopped for OVER_TEMPERATURE/),
      }),
    ]);
  });

  it("a ledger written under rules 4, which held it RUNNING_PROFITABLY, still replays: rules-changed, naming both", async () => {
    await using store = await openTestLedger("jsonl");
    await appendRecordedLedger(
      store.ledger,
      "fleet/op-latch",
      new URL("./ledgers/rules-4-operator-stop-hashing.jsonl", import.meta.url),
    );

    const replay = await replayPartition(store.ledger, "fleet/op-latch", "op-latch");
    expect(replay.ok).toBe(true);
    const changed = replay.differences.filter((d) => d.type === "fleet.decision");
    expect(changed).toHaveLength(2);
    for (const difference of changed) {
      expect(difference).toMatchObject({
        kind: "rules-changed",
        expected: { action: "HOLD", reason: "STOPPED_BY_OPERATOR" },
        actual: { action: "HOLD", reason: "RUNNING_PROFITABLY" },
      });
      expect(difference.detail).toContain(
        `(changed; the cycle was decided under decision rules 4, replayed under rules ${decisionRulesVersion})`,
      );
    }
  });
});
