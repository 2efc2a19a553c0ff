import type { Ledger, StoredRecord } from "@pithead/ledger";
import { describe, expect, it } from "vitest";
import { gateLedger } from "./gated-ledger.ts";
import { ReadGate } from "./read-gate.ts";
import { COMMITS_DURABLE, COMMITS_STARTED, durabilityCounters } from "./wal-sync.ts";

const record = {
  v: 1,
  seq: 0,
  type: "coordinator.job.submitted",
  at: "",
  body: {},
  prev: "",
  hash: "",
} as StoredRecord;

/** The ledger's reads, all answering at once (what the engine's commit made visible). */
const ledger = {
  get: async () => record,
  async *read() {
    yield record;
  },
  size: async () => 1,
} as unknown as Ledger;

async function settledWithin(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe("the HTTP thread's ledger behind the read gate", () => {
  it("hands out records, single or streamed, only once the commit that wrote them is durable", async () => {
    const counters = durabilityCounters();
    const gated = gateLedger(ledger, new ReadGate(counters));
    Atomics.store(counters, COMMITS_STARTED, 1);
    const one = gated.get("coordinator", 0);
    const streamed = gated.read("coordinator")[Symbol.asyncIterator]().next();
    expect(await settledWithin(one)).toBe(false);
    expect(await settledWithin(streamed)).toBe(false);
    Atomics.store(counters, COMMITS_DURABLE, 1);
    Atomics.notify(counters, COMMITS_DURABLE);
    expect(await one).toBe(record);
    expect((await streamed).value).toBe(record);
    expect(await gated.size("coordinator")).toBe(1);
  });

  it("forwards archiving and its reads, so an export from this handle starts at the archive boundary", async () => {
    const range = {
      records: 4096,
      bytes: 1,
      segments: 1,
      lastArchivedAt: "",
      archives: ["/a"],
      lastHash: "",
      frontier: [],
    };
    const archiving = {
      archive: async () => ({ archivedTo: 4096 }),
      archived: async () => range,
      async *readArchived() {
        yield record;
      },
      damage: async () => undefined,
    } as unknown as Ledger;
    const gated = gateLedger(archiving, new ReadGate(durabilityCounters()));
    expect(await gated.archived?.("coordinator")).toBe(range);
    expect(await gated.archive?.("coordinator", { to: "/a", belowSeq: 1 })).toEqual({ archivedTo: 4096 });
    expect((await gated.readArchived?.("coordinator", "/a")[Symbol.asyncIterator]().next())?.value).toBe(record);
    expect(await gated.damage?.("coordinator")).toBeUndefined();
    expect(gated.damage).toBeDefined();
  });
});
