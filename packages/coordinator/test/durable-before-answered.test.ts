// The SQLite store commits with synchronous=NORMAL and fsyncs the write-ahead log while the next
// batch runs (store/sqlite/wal-sync.ts). What guards the contract "answered only once durable":
// answers, events, the HTTP thread's reads and ledger checkpoints all wait for the fsync of the
// commit they depend on. The fsync here is held and released by the test.
import { fstatSync, fsync, mkdirSync, statSync, symlinkSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { fundWallet } from "../src/ops/fund-wallet.ts";
import { submitJob } from "../src/ops/submit-job.ts";
import { SqlReads } from "../src/store/sql/reads.ts";
import { GatedSql, ReadGate } from "../src/store/sqlite/read-gate.ts";
import { openSqliteReader } from "../src/store/sqlite/reader.ts";
import { SqliteSql } from "../src/store/sqlite/statements.ts";
import { openSqliteStore } from "../src/store/sqlite/store.ts";
import { durabilityCounters, WalSyncError } from "../src/store/sqlite/wal-sync.ts";
import type { JobEvent } from "../src/store/types.ts";
import { manualClock } from "./support/clock.ts";
import { heldFsync } from "./support/held-fsync.ts";
import { tempDir } from "./support/temp-dir.ts";

/** Lets the event loop turn until `ready()` holds (a bounded number of turns, never a clock). */
async function until(ready: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !ready(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!ready()) throw new Error("the store never got there");
}

async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

function tracked<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { promise, settled: () => settled };
}

function openHeld() {
  const dir = tempDir();
  const path = `${dir.path}/coordinator.db`;
  const held = heldFsync();
  const counters = durabilityCounters();
  const lost: Error[] = [];
  const store = openSqliteStore({
    path,
    clock: manualClock(),
    durability: counters,
    fsync: held.fsync,
    onDurabilityLost: (error) => lost.push(error),
  });
  const reader = openSqliteReader(path);
  // The HTTP thread's reads: its own connection behind the gate the engine's counters drive.
  const reads = new SqlReads(new GatedSql(new SqliteSql(reader), new ReadGate(counters)));
  return {
    store,
    held,
    reads,
    lost,
    async [Symbol.asyncDispose]() {
      while (held.calls.length > 0) held.release();
      await store.close().catch(() => {});
      reader.close();
      dir[Symbol.dispose]();
    },
  };
}

const job = (wallet: string) => ({
  clientKeyId: "key-1",
  clientWallet: wallet,
  workload: "torch_bench",
  params: {},
  constraints: {},
  reward: 10,
  verification: { mode: "none" as const, replicas: 1, quorum: 1 },
  ttlS: 3600,
  maxRuntimeS: 600,
  maxAttempts: 3,
});

describe("an answer, an event, a read or a checkpoint waits for the fsync of the commit it shows", () => {
  it("answers a write and delivers its events only once its commit is durable", async () => {
    await using open = openHeld();
    const { store, held } = open;
    const funded = tracked(store.write((tx) => fundWallet(tx, "alice", 1000)));
    await until(() => held.calls.length === 1);
    expect(funded.settled()).toBe(false);
    held.release();
    expect(await funded.promise).toEqual({ address: "alice", balance: 1000 });

    const events: JobEvent[] = [];
    store.subscribe((batch) => events.push(...batch));
    const submitted = tracked(store.write((tx) => submitJob(tx, job("alice"))));
    await until(() => held.calls.length === 1);
    // Committed (and visible to SQLite readers), not yet durable: nobody hears of it.
    expect(submitted.settled()).toBe(false);
    expect(events).toEqual([]);
    held.release();
    const saved = await submitted.promise;
    expect(events.map((event) => [event.job_id, event.state])).toEqual([[saved.id, "QUEUED"]]);
  });

  it("holds the HTTP thread's read of a committed row until that commit is durable", async () => {
    await using open = openHeld();
    const { store, held, reads } = open;
    const funded = tracked(store.write((tx) => fundWallet(tx, "bob", 250)));
    await until(() => held.calls.length === 1);
    const read = tracked(reads.wallet("bob"));
    await turns(20);
    expect(read.settled()).toBe(false);
    held.release();
    await funded.promise;
    expect((await read.promise)?.balance).toBe(250);
    // Nothing pending: a read goes straight through.
    expect((await reads.wallet("bob"))?.balance).toBe(250);
  });

  it("runs one batch while the previous one's fsync runs, and the next only once that fsync is done", async () => {
    await using open = openHeld();
    const { store, held } = open;
    const ran: string[] = [];
    const fund = (address: string) =>
      tracked(
        store.write(async (tx) => {
          ran.push(address);
          return fundWallet(tx, address, 1);
        }),
      );
    const first = fund("a");
    await until(() => held.calls.length === 1);
    const second = fund("b");
    await until(() => ran.includes("b"));
    const third = fund("c");
    await turns(20);
    // "b" committed behind the running fsync; "c" waits for it to finish (its ops join one bigger batch).
    expect(ran).toEqual(["a", "b"]);
    expect(held.calls).toHaveLength(1);
    expect([first.settled(), second.settled(), third.settled()]).toEqual([false, false, false]);

    held.release();
    await first.promise;
    // The fsync covering "b" started; "c" runs alongside it.
    await until(() => ran.includes("c"));
    expect(second.settled()).toBe(false);
    held.release();
    await second.promise;
    await until(() => held.calls.length === 1);
    held.release();
    await third.promise;
  });

  it("runs work between batches (a ledger checkpoint) only once every commit before it is durable", async () => {
    await using open = openHeld();
    const { store, held } = open;
    const funded = tracked(store.write((tx) => fundWallet(tx, "carol", 5)));
    await until(() => held.calls.length === 1);
    let checkpointed = false;
    const exclusive = store.exclusive(async () => {
      checkpointed = true;
    });
    await turns(20);
    expect(checkpointed).toBe(false);
    held.release();
    await exclusive;
    expect(checkpointed).toBe(true);
    expect(funded.settled()).toBe(true);
  });

  it("fsyncs the log SQLite writes, next to the real file when the database path is a symlink", async () => {
    using dir = tempDir();
    mkdirSync(`${dir.path}/volume`);
    new DatabaseSync(`${dir.path}/volume/coordinator.db`).close();
    symlinkSync(`${dir.path}/volume/coordinator.db`, `${dir.path}/coordinator.db`);
    const synced: number[] = [];
    const store = openSqliteStore({
      path: `${dir.path}/coordinator.db`,
      clock: manualClock(),
      fsync: (fd, done) => {
        synced.push(fstatSync(fd).ino);
        fsync(fd, done);
      },
    });
    try {
      await store.write((tx) => fundWallet(tx, "erin", 5));
      expect(synced).toEqual([statSync(`${dir.path}/volume/coordinator.db-wal`).ino]);
    } finally {
      await store.close();
    }
  });

  it("fails the writes waiting for a failed fsync and refuses every later one", async () => {
    await using open = openHeld();
    const { store, held, lost } = open;
    const funded = store.write((tx) => fundWallet(tx, "dave", 5));
    await until(() => held.calls.length === 1);
    held.release(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
    await expect(funded).rejects.toThrow(WalSyncError);
    await expect(store.write((tx) => fundWallet(tx, "dave", 5))).rejects.toThrow(WalSyncError);
    expect(lost).toHaveLength(1);
    expect(held.calls).toHaveLength(0);
  });
});
