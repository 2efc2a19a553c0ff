// End to end over TCP: 200 simulated miners, one over temperature, one unreachable, one sending
// malformed JSON; one cycle through the controller into a real ledger, which then verifies, and
// a replay that re-derives every decision from the ledger alone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { recordTypes } from "../src/core/records.ts";
import type { CycleReport, OperatorController } from "../src/orchestrator/operator-controller.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 2, 1, 8));
let simulator: FleetSimulator;
let store: TestLedger;
let controller: OperatorController;
let report: CycleReport;
const hot = "sim-006"; // an AvalonMiner 1246: soft-off stops it
const dark = "sim-001";
const garbled = "sim-002";

beforeAll(async () => {
  simulator = await FleetSimulator.start({
    miners: 200,
    clock,
    models: ["s19", "s19-xp", "s21", "m30s", "s17-pro", "avalon-1246"],
  });
  simulator.miner(hot).setFault({ kind: "over-temperature" });
  await simulator.setFault(dark, { kind: "unreachable" });
  simulator.miner(garbled).setFault({ kind: "malformed", form: "garbage" });
  clock.advance(10 * 60_000); // the hot miner's chips climb toward their new equilibrium
  store = await openTestLedger("sqlite");
  controller = await controllerFor(operatorFor("op-e2e", simulator.endpoints()), store.ledger, clock);
  report = await controller.runCycle();
});

afterAll(async () => {
  await simulator?.close();
  await store?.[Symbol.asyncDispose]();
});

describe("one cycle over 200 simulated miners", () => {
  it("polls every miner: 198 answer, the unreachable and the garbled one fail", () => {
    expect(report.polled).toEqual({ ok: 198, failed: 2 });
  });

  it("stops the over-temperature miner and dispatches the soft-off, with a receipt", () => {
    expect(report.decisions.filter((d) => d.action !== "HOLD")).toEqual([
      expect.objectContaining({ minerId: hot, action: "STOP", reason: "OVER_TEMPERATURE" }),
    ]);
    expect(report.receipts).toEqual([expect.objectContaining({ minerId: hot, action: "STOP", status: "ok" })]);
    expect(simulator.miner(hot).commandLog).toEqual([expect.stringMatching(/^ascset\|0,softoff,1:\d+$/)]);
    expect(simulator.miner(hot).snapshot().hashing).toBe(false);
  });

  it("holds every healthy miner, and ends the failed miners' cycles at the gate with a negative proof", () => {
    const holds = report.decisions.filter((d) => d.action === "HOLD");
    expect(holds).toHaveLength(197);
    expect(new Set(holds.map((d) => d.reason))).toEqual(new Set(["RUNNING_PROFITABLY"]));
    expect(report.negativeProofs).toEqual(
      expect.arrayContaining([
        { minerId: dark, stage: "gate", suppressed: "decision", reason: "STALE_TELEMETRY", detail: expect.any(String) },
        {
          minerId: garbled,
          stage: "gate",
          suppressed: "decision",
          reason: "STALE_TELEMETRY",
          detail: expect.any(String),
        },
      ]),
    );
    expect(report.negativeProofs).toHaveLength(2);
  });

  it("writes the records in order, each citing only earlier ones", async () => {
    const partition = controller.partition;
    const counts = new Map<string, number>();
    const seen = new Set<number>();
    for await (const record of store.ledger.read(partition)) {
      counts.set(record.type, (counts.get(record.type) ?? 0) + 1);
      const cites = (record.body as { cites?: number[] }).cites ?? [];
      for (const cite of cites) expect(seen.has(cite), `${record.type} #${record.seq} cites #${cite}`).toBe(true);
      seen.add(record.seq);
    }
    expect(Object.fromEntries(counts)).toEqual({
      [recordTypes.config]: 1,
      [recordTypes.cycle]: 1,
      [recordTypes.telemetry]: 200,
      [recordTypes.price]: 1,
      [recordTypes.network]: 1,
      [recordTypes.divergence]: 3,
      [recordTypes.profit]: 199,
      [recordTypes.decision]: 198,
      [recordTypes.negativeProof]: 2,
      [recordTypes.receipt]: 1,
    });
  });

  it("records the failed polls with their reasons and the hot miner's temperature", async () => {
    const telemetry = new Map<string, { ok: boolean; reason?: string; telemetry?: { maxChipTempC: number } }>();
    for await (const record of store.ledger.read(controller.partition, { type: recordTypes.telemetry })) {
      const body = record.body as {
        minerId: string;
        ok: boolean;
        reason?: string;
        telemetry?: { maxChipTempC: number };
      };
      telemetry.set(body.minerId, body);
    }
    expect(telemetry.get(dark)).toMatchObject({ ok: false, reason: expect.stringContaining("refused") });
    expect(telemetry.get(garbled)).toMatchObject({ ok: false, reason: expect.stringContaining("malformed") });
    expect(telemetry.get(hot)?.telemetry?.maxChipTempC).toBeGreaterThanOrEqual(95);
  });

  it("the ledger verifies, checkpoint included", async () => {
    await store.ledger.checkpoint(controller.partition);
    const verified = await store.ledger.verify(controller.partition);
    expect(verified.ok).toBe(true);
    expect(verified.records).toBe(607);
  });

  it("replay re-derives every decision from the ledger alone, over a second cycle too", async () => {
    clock.advance(30_000);
    const second = await controller.runCycle();
    // Cooled down after the soft-off and profitable, but a thermal stop latches: no RUN is even
    // wanted (none suppressed) until an operator starts it.
    expect(second.decisions.find((d) => d.minerId === hot)).toMatchObject({ action: "HOLD", reason: "THERMAL_LATCH" });
    expect(second.negativeProofs.filter((proof) => proof.minerId === hot)).toEqual([]);
    const replay = await replayPartition(store.ledger, controller.partition, "op-e2e");
    expect(replay.differences).toEqual([]);
    expect(replay).toMatchObject({ ok: true, cycles: 2, decisions: 396 });
  });

  it("replay reports a decision that no longer follows from its evidence", async () => {
    // A second operator whose ledger has one decision edited before it was written.
    const tampered = await openTestLedger("jsonl");
    try {
      const other = await controllerFor(
        operatorFor("op-edit", simulator.endpoints().slice(10, 14)),
        tampered.ledger,
        clock,
      );
      await other.runCycle();
      const records = [];
      for await (const record of tampered.ledger.read(other.partition)) records.push(record);
      // Re-write the partition elsewhere with one decision's action changed (a forged history).
      const forged = await openTestLedger("sqlite");
      try {
        for (const record of records) {
          const body = record.body as { action?: string; minerId?: string };
          const edited =
            record.type === recordTypes.decision && body.minerId === "sim-011"
              ? { ...body, action: "STOP" }
              : record.body;
          await forged.ledger.append(other.partition, record.type, edited as never, { at: new Date(record.at) });
        }
        const replay = await replayPartition(forged.ledger, other.partition, "op-edit");
        expect(replay.ok).toBe(false);
        expect(replay.differences).toEqual([
          expect.objectContaining({ type: recordTypes.decision, key: "sim-011", kind: "changed" }),
          expect.objectContaining({
            kind: "invariant",
            detail: expect.stringContaining("neither a receipt nor a negative proof"),
          }),
        ]);
      } finally {
        await forged[Symbol.asyncDispose]();
      }
    } finally {
      await tampered[Symbol.asyncDispose]();
    }
  });
});
