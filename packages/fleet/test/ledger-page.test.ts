// A filtered ledger list reads a bounded number of records per request: a filter that matches
// rarely comes back with a short page and where to go on, never a read of the whole partition,
// and paging on finds what lies further back.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPage, SCAN_BUDGET } from "../src/api/ledger-page.ts";
import { recordTypes } from "../src/core/records.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const partition = "fleet/op";
let store: TestLedger;

const decision = (action: string, index: number) => ({
  type: recordTypes.decision,
  body: { cycle: null, decisionId: `d-${index}`, minerId: "m1", action, reason: "x", detail: "x" },
});

beforeAll(async () => {
  store = await openTestLedger("jsonl");
  // One STOP, then more HOLDs than one request examines.
  await store.ledger.appendBatch(partition, [decision("STOP", 0)]);
  const holds = Array.from({ length: SCAN_BUDGET + 50 }, (_, index) => decision("HOLD", index + 1));
  for (let at = 0; at < holds.length; at += 2_000)
    await store.ledger.appendBatch(partition, holds.slice(at, at + 2_000));
}, 60_000);

afterAll(async () => {
  await store?.[Symbol.asyncDispose]();
});

describe("a filtered ledger page", () => {
  it("stops after SCAN_BUDGET records with nextBefore where it stopped, and the next page finds the rest", async () => {
    const first = await readPage(store.ledger, partition, recordTypes.decision, { limit: 500, action: "STOP" });
    expect(first.records).toEqual([]);
    const newest = SCAN_BUDGET + 50;
    expect(first.next).toBe(newest - SCAN_BUDGET + 1);
    expect(first.nextAfter).toBe(newest);
    const second = await readPage(store.ledger, partition, recordTypes.decision, {
      limit: 500,
      action: "STOP",
      before: first.next ?? 0,
    });
    expect(second.records.map((record) => [record.seq, (record.body as { action: string }).action])).toEqual([
      [0, "STOP"],
    ]);
    expect(second.next).toBeNull();
    // Nothing newer than what was read: a bounded read of nothing.
    const since = await readPage(store.ledger, partition, recordTypes.decision, {
      limit: 500,
      action: "STOP",
      after: newest,
    });
    expect(since).toEqual({ records: [], next: null, nextAfter: newest });
  });

  it("an unfiltered page is full at once", async () => {
    const page = await readPage(store.ledger, partition, recordTypes.decision, { limit: 3 });
    expect(page.records.map((record) => record.seq)).toEqual([SCAN_BUDGET + 50, SCAN_BUDGET + 49, SCAN_BUDGET + 48]);
    expect(page.next).toBe(SCAN_BUDGET + 48);
  });
});

describe("a page of one cycle's records", () => {
  const cycles = "fleet/cycles";
  beforeAll(async () => {
    await store.ledger.appendBatch(cycles, [
      { type: recordTypes.cycle, body: { now: "2026-01-01T00:00:00.000Z", mode: "AUTO", dryRun: false, miners: 1 } },
      { type: recordTypes.decision, body: { cycle: 0, decisionId: "d", minerId: "m1", action: "HOLD" } },
    ]);
  });

  it("is a 404 naming querystring.cycle when the seq is not a cycle record's, or past the end", async () => {
    const page = await readPage(store.ledger, cycles, recordTypes.decision, { limit: 10, cycle: 0 });
    expect(page.records.map((record) => record.seq)).toEqual([1]);
    await expect(readPage(store.ledger, cycles, recordTypes.decision, { limit: 10, cycle: 1 })).rejects.toMatchObject({
      code: "UNKNOWN_CYCLE",
      status: 404,
      details: { field: "querystring.cycle", cycle: 1 },
      message:
        "querystring.cycle must be the seq of a fleet.cycle record: record #1 of fleet/cycles is a fleet.decision, not a fleet.cycle",
    });
    await expect(readPage(store.ledger, cycles, recordTypes.decision, { limit: 10, cycle: 7 })).rejects.toMatchObject({
      code: "UNKNOWN_CYCLE",
      message: "querystring.cycle must be the seq of a fleet.cycle record: fleet/cycles has no record #7 (it holds 2)",
    });
  });
});
