// ledger.verify of a large partition beside a running service: the whole check (reading, hashing,
// the chain, citations, checkpoints) runs on a thread of its own, so this thread's event loop keeps
// answering requests while it runs; closing the ledger ends a verify still running.
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ledger, LedgerClosedError, openLedger } from "../src/index.ts";
import { type TempDir, tempDir, testSigner } from "./helpers.ts";

const partition = "fleet/big";
/** About 12 MiB of records: several of verify's 4 MiB reads, each hashed and checked. */
const RECORDS = 12_000;
const filler = "x".repeat(1000);

let dir: TempDir;
let ledger: Ledger;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = tempDir();
  ledger = await openLedger({ store: "jsonl", dir: join(dir.path, "ledger"), signer: testSigner() });
  for (let seq = 0; seq < RECORDS; seq += 500) {
    const batch = Array.from({ length: 500 }, (_, i) => ({
      type: "test.filler",
      body: { n: seq + i, text: filler, ...(seq > 0 ? { cites: [seq - 1] } : {}) },
    }));
    await ledger.appendBatch(partition, batch);
    if (seq % 4000 === 0) await ledger.checkpoint(partition);
  }
  await ledger.checkpoint(partition);
  server = createServer((_request, response) => response.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
}, 120_000);

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  await ledger?.close();
  dir?.[Symbol.dispose]();
});

describe("verify beside a running service", () => {
  it("leaves the event loop serving: 30 requests made one after another while a big verify runs are all answered before it ends", async () => {
    let ended = false;
    const verifying = ledger.verify(partition).finally(() => {
      ended = true;
    });
    let answeredBeforeEnd = 0;
    for (let i = 0; i < 30; i++) {
      expect(await (await fetch(url)).text()).toBe("ok");
      if (!ended) answeredBeforeEnd++;
    }
    const report = await verifying;
    expect(report).toMatchObject({ ok: true, records: RECORDS, checkedRecords: RECORDS, covered: RECORDS });
    expect(report.problems).toEqual([]);
    expect(answeredBeforeEnd).toBe(30);
  });

  it("leaves the reading, hashing and chain checks to its own thread: this one spends a small part of the verify's CPU", async () => {
    // CPU time per thread, not wall-clock: the share holds however loaded the machine is. On this
    // thread the whole check took all of it; now only starting the thread and taking its report.
    const process0 = process.cpuUsage();
    const main0 = process.threadCpuUsage();
    const report = await ledger.verify(partition);
    const main = process.threadCpuUsage(main0);
    const all = process.cpuUsage(process0);
    expect(report.ok).toBe(true);
    expect(main.user + main.system).toBeLessThan((all.user + all.system) / 10);
  });

  it("hands progress back as the thread reads, ending at the total", async () => {
    const seen: [number, number][] = [];
    const report = await ledger.verify(partition, { onProgress: (done, total) => seen.push([done, total]) });
    expect(report.ok).toBe(true);
    expect(seen.length).toBeGreaterThan(1);
    const [done, total] = seen.at(-1)!;
    expect(done).toBe(total);
    expect(seen.map(([d]) => d)).toEqual([...seen.map(([d]) => d)].sort((a, b) => a - b));
  });

  it("ends a verify still running when the ledger closes, and starts none after", async () => {
    const other = await openLedger({ store: "jsonl", dir: join(dir.path, "ledger") });
    const verifying = other.verify(partition);
    await other.close();
    await expect(verifying).rejects.toThrow(LedgerClosedError);
  });
});
