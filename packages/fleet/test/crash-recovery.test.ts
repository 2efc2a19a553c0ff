// A controller that dies after recording its decisions and before recording their receipts: on
// the next start each such decision gets a negative proof (INTERRUPTED: whether the command
// reached the miner is unknown) instead of being retried on old evidence or left without an
// outcome, and the ledger still replays cleanly.

import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { recordTypes } from "../src/core/records.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, crashingOn, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

describe("crash between decision and receipt", () => {
  it("settles the orphaned decision with a negative proof on restart", async () => {
    await using store = await openTestLedger("jsonl");
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, models: ["cgminer-asc"] });
    const operator = operatorFor("op-crash", simulator.endpoints()); // $0.04/kWh: the rigs do not pay
    // A recorder that "crashes" when the receipts are written.
    const crashing = crashingOn(recordTypes.receipt, store.ledger);
    const first = await controllerFor(operator, crashing, clock);
    await expect(first.runCycle()).rejects.toThrow("power cut");

    clock.advance(60_000);
    await controllerFor(operator, store.ledger, clock);
    const proofs = [];
    for await (const record of store.ledger.read("fleet/op-crash", { type: recordTypes.negativeProof }))
      proofs.push(record.body);
    expect(proofs).toEqual([
      expect.objectContaining({ minerId: "sim-001", stage: "execution", suppressed: "STOP", reason: "INTERRUPTED" }),
      expect.objectContaining({ minerId: "sim-002", stage: "execution", suppressed: "STOP", reason: "INTERRUPTED" }),
    ]);
    // The commands did reach the rigs before the power cut; the ledger says it cannot tell.
    expect(simulator.miner("sim-001").commandLog).toEqual(["ascdisable|0", "ascdisable|1", "ascdisable|2"]);
    expect(proofs[0]).toMatchObject({
      detail: expect.stringContaining("whether the command reached the miner is unknown"),
    });
    // The cycle stopped before its receipts: the restart said so, and the replay reports it.
    const replay = await replayPartition(store.ledger, "fleet/op-crash", "op-crash");
    expect(replay).toMatchObject({ ok: true, interrupted: 1 });
    expect(replay.differences).toEqual([
      expect.objectContaining({ kind: "interrupted", type: recordTypes.cycleInterrupted, cycleSeq: 1 }),
    ]);
  });
});
