// A ledger an older release wrote (test/ledgers/*.jsonl: one `{ seq, type, at, body }` per line),
// appended as it was, so that a test can replay it under today's rules.

import { readFileSync } from "node:fs";
import type { Json } from "../src/core/records.ts";
import type { Recorder } from "../src/orchestrator/recorder.ts";

export async function appendRecordedLedger(recorder: Recorder, partition: string, file: URL): Promise<void> {
  const lines = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { seq: number; type: string; at: string; body: Json });
  // One at a time: a record may only cite records already stored.
  for (const { seq, type, at, body } of lines) {
    const stored = await recorder.append(partition, type, body, { at: new Date(at) });
    if (stored.seq !== seq) throw new Error(`${file.pathname}: record ${seq} went to #${stored.seq}`);
  }
}
