// The state snapshot of a large fleet is encoded without holding the event loop (the API, the poll
// timers) for the whole encode, and the file is byte for byte what the encoder written at once gave
// (the reference below is that encoder as it was), so snapshots written before and after read alike.
// The state it holds is the state as it was at its cut, though records were folded since.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CgminerAdapter } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { emptyState, type FleetState, foldRecord } from "../src/core/memory.ts";
import { type Json, recordTypes } from "../src/core/records.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import { defaultFixedMarket, fixedSource } from "../src/market/sources.ts";
import { FleetViewState } from "../src/orchestrator/fleet-view-state.ts";
import { MinerHistory } from "../src/orchestrator/history.ts";
import { OperatorController } from "../src/orchestrator/operator-controller.ts";
import type { StoredRecordLike } from "../src/orchestrator/recorder.ts";
import { StartFacts } from "../src/orchestrator/start-facts.ts";
import {
  cutState,
  decodeSnapshot,
  encodeSnapshot,
  encodeSnapshotInSlices,
  encodeStateCut,
  encodeStatePart,
  foldFingerprint,
  type SnapshotParts,
  snapshotFormat,
} from "../src/orchestrator/state-snapshot.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

/** An object with its Maps and Sets written as format 1 writes them ({ $map: entries }, { $set: values }). */
function tagged(object: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const value: unknown = (object as Record<string, unknown>)[key];
    if (value instanceof Map) out[key] = { $map: Array.from(value) };
    else if (value instanceof Set) out[key] = { $set: Array.from(value) };
    else out[key] = value;
  }
  return out;
}

/** Format 1 as its first encoder wrote it: the header in one JSON.stringify, the charts after it. */
function referenceEncode(parts: SnapshotParts): Buffer {
  const { capacity, cycleAt, miners, columns } = parts.history.toSnapshot();
  const arrays = Object.entries(columns);
  const starts = arrays.map((_, index) =>
    arrays.slice(0, index).reduce((bytes, [, array]) => bytes + array.byteLength, 0),
  );
  const { partition, fromSeq, seq, hash, view, fleetProfit } = parts;
  const header = `${JSON.stringify({
    format: snapshotFormat,
    fingerprint: foldFingerprint,
    partition,
    fromSeq,
    seq,
    hash,
    view: tagged(view),
    fleetProfit,
    history: {
      capacity,
      cycleAt,
      miners,
      blobs: arrays.map(([column, array], index) => ({
        column,
        type: array.constructor.name,
        offset: starts[index],
        length: array.length,
      })),
    },
  }).slice(0, -1)},"state":${parts.statePart}}`;
  const headerBytes = Buffer.from(header, "utf8");
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, headerBytes.length, true); // u32, little-endian
  const rest = Buffer.concat([
    length,
    headerBytes,
    ...arrays.map(([, array]) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength)),
  ]);
  return Buffer.concat([Buffer.from("PHFLEET\n", "latin1"), createHash("sha256").update(rest).digest(), rest]);
}

/** A cycle of `miners` polls as the controller folds it: some answered, some not, names with non-ASCII. */
function cycleRecords(cycle: number, miners: number): StoredRecordLike[] {
  const now = new Date(Date.UTC(2026, 0, 1) + cycle * 30_000).toISOString();
  const records: StoredRecordLike[] = [
    { seq: cycle, type: recordTypes.cycle, at: now, hash: "h", body: { now, mode: "AUTO", dryRun: false } },
  ];
  for (let i = 0; i < miners; i++) {
    const minerId = `miner-${i}-é`;
    const body =
      i % 7 === 0
        ? { cycle, failure: "timeout", minerId, ok: false, rawSha256: null, reason: "no reply ✗" }
        : {
            cycle,
            minerId,
            ok: true,
            telemetry: {
              accepted: i,
              boards: [],
              errors: [],
              expectedSource: "nameplate",
              expectedThs: "100",
              fansRpm: [4000],
              firmware: { family: "bmminer", name: "bmminer", version: "1.0" },
              hardwareErrors: 0,
              hashrateThs: String(90 + (i % 10)),
              hashrateWindow: "5s",
              maxBoardTempC: 60,
              maxChipTempC: 70,
              model: "Antminer S19",
              pools: [],
              powerNote: null,
              powerSource: "reported",
              powerW: 3250,
              rawSha256: "0".repeat(64),
              rejected: 0,
              uptimeS: 1000 + cycle,
            },
          };
    records.push({
      seq: cycle + 1 + i,
      type: recordTypes.telemetry,
      at: now,
      hash: "h",
      body: body as unknown as Json,
    });
  }
  return records;
}

function fleetAfter(cycles: number, miners: number) {
  const state: FleetState = emptyState();
  const facts = new StartFacts();
  const view = new FleetViewState();
  const history = new MinerHistory(8);
  let seq = 0;
  for (let n = 0; n < cycles; n++) {
    for (const record of cycleRecords(seq, miners)) {
      foldRecord(state, record);
      facts.take(record);
      view.take(record);
      history.add(record);
    }
    seq += miners + 1;
  }
  return { state, facts, view, history, seq };
}

describe("the state snapshot's encoding", () => {
  it("is the bytes the encoder of format 1 wrote at once, and lets the event loop turn while it runs", async () => {
    const { state, facts, view, history, seq } = fleetAfter(3, 6_000);
    const common = {
      partition: "fleet/bench",
      fromSeq: 0,
      seq: seq - 1,
      hash: "ab".repeat(32),
      view,
      history,
      fleetProfit: { cycle: 0, body: { minerId: null, total: "1.5" } as Json },
    };
    const reference = referenceEncode({ ...common, statePart: encodeStatePart(seq - 1, state, facts) });

    let done = false;
    let turns = 0;
    const count = () => {
      turns++;
      if (!done) setImmediate(count);
    };
    setImmediate(count);
    const sliced = await encodeSnapshotInSlices({ ...common, cut: cutState(seq - 1, state, facts) });
    done = true;

    expect(sliced.equals(reference)).toBe(true);
    expect(encodeSnapshot({ ...common, cut: cutState(seq - 1, state, facts) }).equals(reference)).toBe(true);
    // Other work ran between the slices (at 6,000 miners, a few turns at least).
    expect(turns).toBeGreaterThan(3);
    const decoded = decodeSnapshot(sliced);
    expect("problem" in decoded).toBe(false);
    if ("problem" in decoded) return;
    expect(decoded.state.miners.size).toBe(6_000);
    expect(decoded.view.latest).toBeInstanceOf(Map);
  });

  it("keeps the state as it was at its cut, though records were folded since", () => {
    const { state, facts, seq } = fleetAfter(1, 50);
    const atCut = encodeStatePart(seq - 1, state, facts);
    const cut = cutState(seq - 1, state, facts);
    for (const record of cycleRecords(seq, 60)) {
      foldRecord(state, record);
      facts.take(record);
    }
    expect(encodeStatePart(seq - 1, state, facts)).not.toBe(atCut);
    expect(encodeStateCut(cut)).toBe(atCut);
  });

  it("a save asked for while a cycle runs writes what the cycle left: its records, its totals, its state", async () => {
    await using ledger = await openTestLedger("jsonl");
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    await using simulator = await FleetSimulator.start({ miners: 6, clock, seed: 5 });
    const file = join(ledger.dir, "fleet-state-op-busy.snapshot");
    const source = fixedSource(defaultFixedMarket, () => clock.now());
    const controller = await OperatorController.open({
      operator: operatorFor("op-busy", simulator.endpoints()),
      recorder: ledger.ledger,
      adapter: new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } }),
      market: new MarketCache({ price: source, network: source, clock }),
      clock,
      snapshot: { file },
    });
    await controller.runCycle();
    clock.advance(30_000);
    const cycling = controller.runCycle();
    const saved = await controller.saveSnapshot();
    const report = await cycling;

    const size = await ledger.ledger.size("fleet/op-busy");
    expect(saved).toMatchObject({ written: true, seq: size - 1 });
    const decoded = decodeSnapshot(readFileSync(file));
    if ("problem" in decoded) throw new Error(decoded.problem);
    expect(decoded.seq).toBe(size - 1);
    expect(decoded.stateSeq).toBe(report.cycleSeq - 1);
    expect(decoded.fleetProfit?.cycle).toBe(report.cycleSeq);
    expect(decoded.fleetProfit).toEqual(controller.fleetTotals);
  });
});
