// A controller starting on a damaged ledger stops with one error that names the partition, the
// ledger and what to run — never a bare parser error ("Unexpected end of JSON input") — and the
// ledger library's own errors, which already say all that, reach the user as they are.

import { appendFileSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { LedgerCorruptError } from "@pithead/ledger";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { loadFleetConfig } from "../src/config/load-config.ts";
import { openFleet, startFleetService } from "../src/fleet-service.ts";
import type { Recorder, StoredRecordLike } from "../src/orchestrator/recorder.ts";
import { type UnreadablePartitionError, unreadableAtStart } from "../src/orchestrator/unreadable-partition.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

/** A simulated fleet's data under `dir` after `cycles` cycles 30 s apart, closed again; its config, clock and records file. */
async function simulatedFleetAfterCycles(dir: string, cycles: number) {
  const dataDir = join(dir, "data");
  const config = loadFleetConfig({ DATA_DIR: dataDir, SIMULATED_MINERS: "2", LOOP_ENABLED: "false" });
  const clock = new ManualClock(Date.UTC(2026, 8, 1));
  const fleet = await openFleet(config, { clock });
  try {
    const controller = fleet.controllers.get("default");
    for (let cycle = 0; cycle < cycles; cycle++) {
      if (cycle > 0) clock.advance(30_000);
      await controller?.runCycle();
    }
  } finally {
    await fleet.close();
  }
  return { config, clock, records: join(dataDir, "fleet-ledger", "fleet", "default.ledger", "records.jsonl") };
}

describe("start after a crash mid-append", () => {
  it("moves the torn last record aside and says so in the log", async () => {
    await using store = await openTestLedger("jsonl"); // only for its temporary directory
    const { config, clock, records } = await simulatedFleetAfterCycles(store.dir, 1);
    appendFileSync(records, '{"at":"2026-09-01T00:00:30.000Z","body":{"cyc');
    const lines: { level: number; msg: string; [field: string]: unknown }[] = [];
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const service = await startFleetService(config, { clock, port: 0, logger: { level: "info", stream } });
    try {
      const repair = lines.find((line) => line.partition === "fleet/default" && line.movedTo !== undefined);
      expect(repair).toMatchObject({ level: 40, file: records, bytes: expect.any(Number) });
      expect(String(repair?.movedTo)).toContain("records.jsonl");
    } finally {
      await service.close();
    }
  });
});

describe("start on a damaged ledger", () => {
  it("refuses with one error naming the partition, the ledger and the verify command, not a parser error", async () => {
    await using store = await openTestLedger("jsonl"); // only for its temporary directory
    // Each cycle signs a checkpoint covering every record.
    const { config, clock, records } = await simulatedFleetAfterCycles(store.dir, 2);
    // The last record loses its end (a disk that lost a block, a hand edit): the checkpoint still covers it.
    truncateSync(records, statSync(records).size - 40);

    const error = await openFleet(config, { clock }).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SyntaxError);
    expect(error?.message).toContain("fleet/default");
    expect(error?.message).toContain("pithead ledger verify");
    expect(error?.message).not.toMatch(/^Unexpected end of JSON input/);
  });

  it("names the partition, where the ledger is and the verify command when a read fails with a bare error", async () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const unreadable = (thrown: Error): Recorder => ({
      append: () => Promise.reject(new Error("not written")),
      appendBatch: () => Promise.reject(new Error("not written")),
      get: () => Promise.resolve(undefined),
      size: () => Promise.resolve(1),
      // biome-ignore lint/correctness/useYield: it fails before its first record, as a damaged first line does
      read: async function* (): AsyncGenerator<StoredRecordLike> {
        throw thrown;
      },
    });
    const operator = operatorFor("op-x", []);
    const parser = new SyntaxError("Unexpected end of JSON input");
    const bare = await controllerFor(operator, unreadable(parser), clock).catch((thrown: Error) => thrown);
    expect(bare).toMatchObject({
      name: "UnreadablePartitionError",
      partition: "fleet/op-x",
      cause: parser,
      message:
        "partition fleet/op-x cannot be read back to rebuild operator 'op-x' (Unexpected end of JSON input): the ledger may be damaged",
    });
    expect(
      unreadableAtStart(
        bare as UnreadablePartitionError,
        { store: "jsonl", dir: "data/fleet-ledger" },
        "the fleet ledger data/fleet-ledger (DATA_DIR data)",
      ).message,
    ).toBe(
      "the fleet ledger data/fleet-ledger (DATA_DIR data): partition fleet/op-x cannot be read back to rebuild operator 'op-x' (Unexpected end of JSON input): the ledger may be damaged; run `npx pithead ledger verify data/fleet-ledger --partition fleet/op-x` to see where",
    );
    // The ledger's own error already names the partition, the damage and the command: as it is.
    const damaged = new LedgerCorruptError("fleet/op-x", "records.jsonl, record 7: line is not JSON");
    expect(await controllerFor(operator, unreadable(damaged), clock).catch((thrown: Error) => thrown)).toBe(damaged);
  });
});
