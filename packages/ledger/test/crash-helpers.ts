// Kills an appending child process with SIGKILL at random moments, then checks what it saw acknowledged.
import { expect } from "vitest";
import { type LedgerStoreOptions, openLedger } from "../src/index.ts";
import { startChild } from "./child.ts";

export async function killRepeatedly(
  options: LedgerStoreOptions,
  location: string,
  store: string,
  kills: number,
): Promise<number> {
  const acknowledged = new Map<number, string>();
  // A fixed sequence of "random" moments keeps failures reproducible.
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < kills; round++) {
    const child = startChild(["append-loop", store, location]);
    await child.waitForLines(1 + Math.floor(random() * 150));
    child.process.kill("SIGKILL");
    await child.exited;
    for (const line of child.lines) {
      const [seq, hash] = line.split(" ");
      if (seq && hash) acknowledged.set(Number(seq), hash);
    }
  }
  const ledger = await openLedger(options);
  try {
    await ledger.openWriter("ops");
    for (const [seq, hash] of acknowledged) {
      const record = await ledger.get("ops", seq);
      expect(record?.hash, `acknowledged record ${seq}`).toBe(hash);
    }
    const report = await ledger.verify("ops");
    expect(report.problems).toEqual([]);
    expect(report.records).toBeGreaterThanOrEqual(acknowledged.size);
    return acknowledged.size;
  } finally {
    await ledger.close();
  }
}
