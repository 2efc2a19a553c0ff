import { describe, expect, it } from "vitest";
import type { Sql } from "../sql/sql.ts";
import { GatedSql, ReadGate } from "./read-gate.ts";
import { COMMITS_DURABLE, COMMITS_STARTED, durabilityCounters } from "./wal-sync.ts";

/** What the engine does when an fsync that covers `count` commits finished. */
function durableUpTo(counters: Int32Array, count: number): void {
  Atomics.store(counters, COMMITS_DURABLE, count);
  Atomics.notify(counters, COMMITS_DURABLE);
}

async function settledWithin(promise: Promise<unknown>, turns = 5): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe("ReadGate", () => {
  it("lets a read through at once when every commit it could have seen is durable", () => {
    const counters = durabilityCounters();
    const gate = new ReadGate(counters);
    expect(gate.after()).toBeUndefined();
    Atomics.store(counters, COMMITS_STARTED, 7);
    durableUpTo(counters, 7);
    expect(gate.after()).toBeUndefined();
  });

  it("holds a read that may have seen a commit until the fsync covering it finished", async () => {
    const counters = durabilityCounters();
    const gate = new ReadGate(counters);
    Atomics.store(counters, COMMITS_STARTED, 2);
    durableUpTo(counters, 1);
    const waiting = gate.after();
    expect(waiting).toBeInstanceOf(Promise);
    expect(await settledWithin(waiting as Promise<void>)).toBe(false);
    // A commit started after the read does not hold it any longer.
    Atomics.store(counters, COMMITS_STARTED, 3);
    durableUpTo(counters, 2);
    await waiting;
  });

  it("counts on past 2^31 commits", async () => {
    const counters = durabilityCounters();
    const gate = new ReadGate(counters);
    Atomics.store(counters, COMMITS_DURABLE, 0x7fff_ffff);
    Atomics.store(counters, COMMITS_STARTED, 0x7fff_ffff);
    expect(gate.after()).toBeUndefined();
    Atomics.add(counters, COMMITS_STARTED, 1);
    const waiting = gate.after();
    expect(waiting).toBeInstanceOf(Promise);
    durableUpTo(counters, Atomics.load(counters, COMMITS_STARTED));
    await waiting;
  });

  it("fails the reads it holds once the engine stopped (their commit may never be durable)", async () => {
    const counters = durabilityCounters();
    const gate = new ReadGate(counters);
    Atomics.store(counters, COMMITS_STARTED, 1);
    const waiting = gate.after();
    gate.fail(new Error("the coordinator's store thread stopped"));
    await expect(waiting).rejects.toThrow("store thread stopped");
    await expect(gate.after()).rejects.toThrow("store thread stopped");
    // What was durable before it stopped is still handed out.
    Atomics.store(counters, COMMITS_DURABLE, 1);
    expect(gate.after()).toBeUndefined();
  });

  it("hands out a query's rows only once what they show is durable", async () => {
    const counters = durabilityCounters();
    const sql: Sql = {
      dialect: "sqlite",
      get: async () => ({ id: "job-1" }),
      all: async () => [{ id: "job-1" }],
      run: async () => 1,
    };
    const gated = new GatedSql(sql, new ReadGate(counters));
    Atomics.store(counters, COMMITS_STARTED, 1);
    const rows = gated.all("SELECT id FROM jobs");
    expect(await settledWithin(rows)).toBe(false);
    durableUpTo(counters, 1);
    expect(await rows).toEqual([{ id: "job-1" }]);
    expect(await gated.get("SELECT id FROM jobs")).toEqual({ id: "job-1" });
  });
});
