// What GET /miners and the miner page show, against what happened: margins as the miners ran
// (adding up to the fleet totals), a decision that was not carried out said so, a hot miner
// marked, the view after a controller restart, the model of a miner that stopped answering, and
// the manual commands' edge cases (never polled, a reused key, one cut short by a crash).

import { describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { lastCycleView, minerSummary } from "../src/api/views.ts";
import { ManualClock } from "../src/clock.ts";
import { recordTypes } from "../src/core/records.ts";
import { IdempotencyKeyReusedError, type OperatorController } from "../src/orchestrator/operator-controller.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, crashingOn, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

const cheap = { energyMicroUsdPerKwh: 5_000, poolFeePpm: 0 };
const view = (controller: OperatorController) => controller.miners().map((miner) => minerSummary(controller, miner.id));

describe("the fleet view", () => {
  it("per_miner_margins_are_measured: a stalled or stopped miner shows $0 with its nameplate figure apart, and the column adds up to the totals", async () => {
    await using store = await openTestLedger();
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 4, clock, models: ["cgminer-asc", "avalon-1246"] });
    const controller = await controllerFor(
      operatorFor("op-m", simulator.endpoints(), { site: cheap }),
      store.ledger,
      clock,
    );
    await controller.runCycle();
    await controller.manualCommand("sim-001", "STOP", "operator:op-m", "maintenance");
    await simulator.setFault("sim-002", { kind: "stalled" });
    clock.advance(60_000);
    await controller.runCycle();

    const miners = view(controller);
    const totals = minerSummary(controller, "sim-003").margin;
    expect(totals?.hashing).toBe(true);
    for (const id of ["sim-001", "sim-002"]) {
      const margin = miners.find((miner) => miner.id === id)?.margin;
      expect(margin).toMatchObject({ hashing: false, revenueUsdPerDay: 0, costUsdPerDay: 0, marginUsdPerDay: 0 });
      expect(margin?.ifRunningMarginUsdPerDay).not.toBe(0); // what it would make if running, apart
    }
    const sum = miners.reduce((total, miner) => total + (miner.margin?.marginUsdPerDay ?? 0), 0);
    const fleet = (await import("../src/api/views.ts")).fleetTotals(controller);
    expect(sum).toBeCloseTo(fleet?.marginUsdPerDay as number, 4);
    // The chart's margin line is the same figure: $0 while stalled, the nameplate figure apart.
    const [point] = controller.history.series("sim-002", 1);
    expect(point).toMatchObject({ marginUsdPerDay: 0, ifRunningMarginUsdPerDay: expect.any(Number) });
  });

  it("suppressed_decision_is_not_shown_as_done: a hot stock Antminer's STOP says it was not carried out, and the miner is marked hot", async () => {
    await using store = await openTestLedger();
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 1, clock, models: ["s19"] });
    await simulator.setFault("sim-001", { kind: "over-temperature" });
    const controller = await controllerFor(
      operatorFor("op-h", simulator.endpoints(), { site: cheap }),
      store.ledger,
      clock,
    );
    // It heats up over a few minutes.
    for (let cycle = 0; cycle < 30 && minerSummary(controller, "sim-001").lastDecision?.action !== "STOP"; cycle++) {
      clock.advance(60_000);
      await controller.runCycle();
    }
    const miner = minerSummary(controller, "sim-001");
    expect(miner.temperature).toBe("stop");
    expect(miner.lastDecision).toMatchObject({
      action: "STOP",
      reason: "OVER_TEMPERATURE",
      notCarriedOut: { stage: "execution", reason: "UNSUPPORTED_BY_FIRMWARE" },
      receipt: null,
    });
  });

  it("view_after_restart_is_rebuilt_from_the_ledger: the last cycle, each miner's telemetry, and a failed miner's model", async () => {
    await using store = await openTestLedger();
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 3, clock, models: ["s19", "avalon-1246"] });
    const operator = operatorFor("op-r", simulator.endpoints(), { site: cheap });
    const first = await controllerFor(operator, store.ledger, clock);
    await first.runCycle();
    await simulator.setFault("sim-002", { kind: "unreachable" });
    clock.advance(60_000);
    const report = await first.runCycle();
    const before = view(first);

    clock.advance(60_000);
    const restarted = await controllerFor(operator, store.ledger, clock);
    expect(lastCycleView(restarted)).toEqual({
      cycleSeq: report.cycleSeq,
      now: report.now,
      polled: { ok: 2, failed: 1 },
      records: null,
      timingsMs: null,
      fromLedger: true,
      gated: {},
      marketUsable: true,
      marketProblems: [],
    });
    expect(view(restarted)).toEqual(before);
    // The ledger's status names the same last cycle as /miners (it said none until a new cycle ran).
    const server = await createFleetServer({
      controllers: new Map([["op-r", restarted]]),
      ledger: store.ledger,
      clock,
      auth: { disabled: true, legacyBearer: false, maxSkewMs: 60_000 },
      logger: false,
    });
    try {
      const status = await server.inject({ method: "GET", url: "/ledger/status" });
      expect(status.json()).toMatchObject({ lastCycle: { cycleSeq: report.cycleSeq, now: report.now } });
    } finally {
      await server.close();
    }
    const failed = minerSummary(restarted, "sim-002");
    expect(failed).toMatchObject({ status: "failed", model: expect.stringMatching(/Avalon/i) });
    expect(failed.model).not.toBe(operator.miners[1]?.model);
    expect(minerSummary(restarted, "sim-001")).toMatchObject({ status: "ok", hashrateThs: expect.any(String) });
  });

  it("manual_command_before_the_first_poll_identifies_the_miner: a cgminer rig stops at once", async () => {
    await using store = await openTestLedger();
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 1, clock, models: ["cgminer-asc"] });
    const controller = await controllerFor(operatorFor("op-f", simulator.endpoints()), store.ledger, clock);
    const result = await controller.manualCommand("sim-001", "STOP", "operator:op-f", null, "first");
    expect(result.outcome).toMatchObject({ kind: "receipt", body: { action: "STOP", status: "ok" } });
    expect(simulator.miner("sim-001").commandLog.some((command) => command.startsWith("ascdisable"))).toBe(true);
    const decision = await store.ledger.get("fleet/op-f", result.decisionSeq);
    expect((decision?.body as { detail: string } | undefined)?.detail).toContain(
      "firmware identified by a poll just now",
    );
  });

  it("idempotency_key_with_another_reason_is_refused: 409, not the first result", async () => {
    await using store = await openTestLedger();
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 1, clock, models: ["cgminer-asc"] });
    const controller = await controllerFor(operatorFor("op-k", simulator.endpoints()), store.ledger, clock);
    await controller.runCycle();
    const first = await controller.manualCommand("sim-001", "STOP", "operator:op-k", "maint", "key-1");
    const again = await controller.manualCommand("sim-001", "STOP", "operator:op-k", "maint", "key-1");
    expect(again).toMatchObject({ replayed: true, decisionId: first.decisionId });
    const other = controller.manualCommand("sim-001", "STOP", "operator:op-k", "other", "key-1");
    await expect(other).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(other).rejects.toThrow(
      "as 'STOP requested by operator:op-k (maint)'; this request is 'STOP requested by operator:op-k (other)': send it with a new key",
    );
  });

  it("interrupted_manual_command_says_to_send_it_again: the key's answer tells the operator to send it with a new key", async () => {
    await using store = await openTestLedger("jsonl");
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 1, clock, models: ["cgminer-asc"] });
    const operator = operatorFor("op-i", simulator.endpoints(), { mode: "MANUAL" });
    const crashing = crashingOn(recordTypes.receipt, store.ledger);
    const first = await controllerFor(operator, crashing, clock);
    await first.runCycle();
    await expect(first.manualCommand("sim-001", "STOP", "operator:op-i", null, "stop-1")).rejects.toThrow("power cut");

    clock.advance(60_000);
    const restarted = await controllerFor(operator, store.ledger, clock);
    const retry = await restarted.manualCommand("sim-001", "STOP", "operator:op-i", null, "stop-1");
    expect(retry).toMatchObject({
      replayed: true,
      outcome: { kind: "negative-proof", body: { reason: "INTERRUPTED" } },
    });
    const detail = (retry.outcome.body as { detail: string }).detail;
    expect(detail).toContain("send the command again with a new Idempotency-Key");
    expect(detail).not.toContain("the next cycle decides afresh");
    expect(minerSummary(restarted, "sim-001").lastDecision?.notCarriedOut?.reason).toBe("INTERRUPTED");
  });
});
