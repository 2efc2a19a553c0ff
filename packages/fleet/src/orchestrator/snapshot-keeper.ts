// A controller's side of its state snapshot (state-snapshot.ts): it follows the records the
// controller folds, keeps the state as it was just before the latest cycle record (copied then,
// about a millisecond per cycle, and encoded only when written), and writes the file when asked
// (after a cycle when one is due, on a clean shutdown), one write at a time.
//
// It writes nothing once the controller's state stops being the fold of a contiguous run of
// records (a cycle that failed between appending records and folding them): the last snapshot
// written stays valid, and the next start folds from it.

import type { FleetState } from "../core/memory.ts";
import { recordTypes } from "../core/records.ts";
import type { StoredRecordLike } from "./recorder.ts";
import { writeSnapshotFile } from "./snapshot-file.ts";
import type { StartFacts } from "./start-facts.ts";
import { cutState, encodeSnapshotInSlices, type SnapshotParts, type StateCut } from "./state-snapshot.ts";

export interface SnapshotOptions {
  /** Where it is kept (fleet-service: `<DATA_DIR>/fleet-state-<operator>.snapshot`). */
  file: string;
  /** How often a cycle is followed by a write, at most (default 10 minutes). */
  everyMs?: number;
}

export type SaveOutcome = { written: true; seq: number; bytes: number } | { written: false; why: string };

export class SnapshotKeeper {
  readonly file: string;
  readonly everyMs: number;
  /** The archive boundary this controller's fold began at (an earlier one when it began from a snapshot). */
  fromSeq = 0;
  private next: number | undefined;
  private lastHash = "";
  private stopped: string | null = null;
  private cut: StateCut | null = null;
  private lastWrittenMs = Number.NEGATIVE_INFINITY;
  private writing: Promise<SaveOutcome> | null = null;
  /** What the last write of this process wrote (a save with nothing folded since writes nothing). */
  private lastWritten: { seq: number; bytes: number } | null = null;

  constructor(options: SnapshotOptions) {
    this.file = options.file;
    this.everyMs = options.everyMs ?? 600_000;
  }

  /** After a snapshot's state (cut after `stateSeq`) was loaded: the next record is the one after it. */
  loaded(stateSeq: number, fromSeq: number): void {
    this.next = stateSeq + 1;
    this.fromSeq = fromSeq;
  }

  /** Before a cycle record is folded: the state then is what a start re-examines that cycle against. */
  beforeCycle(record: StoredRecordLike, state: FleetState, facts: StartFacts): void {
    if (record.type !== recordTypes.cycle || this.stopped !== null) return;
    if (this.next !== undefined && record.seq !== this.next) return; // followed() stops it
    this.cut = cutState(record.seq - 1, state, facts);
  }

  /** After every record folded, in order. */
  followed(record: StoredRecordLike): void {
    if (this.next !== undefined && record.seq !== this.next && this.stopped === null)
      this.stopped = `the state stopped following the ledger at record #${this.next} (#${record.seq} came next)`;
    this.next = record.seq + 1;
    this.lastHash = record.hash;
  }

  due(nowMs: number): boolean {
    return this.stopped === null && this.cut !== null && nowMs - this.lastWrittenMs >= this.everyMs;
  }

  /**
   * Encodes the snapshot a slice at a time (state-snapshot.ts: the event loop turns between
   * slices) inside `hold`, which keeps the state, view and charts from changing meanwhile (the
   * controller's mutex: a cycle or command waits for the encode), then writes it. One write at a
   * time: a save asked for during one (a shutdown just after a cycle's own save began) waits for
   * it, then writes again if records were folded since. `parts` is read once held.
   */
  save(
    parts: () => Pick<SnapshotParts, "partition" | "view" | "history" | "fleetProfit">,
    nowMs: number,
    hold: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
  ): Promise<SaveOutcome> {
    const writing = this.writing;
    // Whether that write already holds everything is known only once held (a cycle may be running).
    if (writing) return writing.catch(() => undefined).then(() => this.save(parts, nowMs, hold));
    if (this.stopped !== null) return Promise.resolve({ written: false, why: this.stopped });
    if (this.cut === null || this.next === undefined)
      return Promise.resolve({ written: false, why: "no cycle has been folded yet" });
    this.lastWrittenMs = nowMs;
    this.writing = this.encodeAndWrite(parts, hold).finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async encodeAndWrite(
    parts: () => Pick<SnapshotParts, "partition" | "view" | "history" | "fleetProfit">,
    hold: <T>(work: () => Promise<T>) => Promise<T>,
  ): Promise<SaveOutcome> {
    type Held = { seq: number; bytes: Buffer } | { why: string } | { same: { seq: number; bytes: number } };
    const encoded = await hold(async (): Promise<Held> => {
      // Looked at again once held: a cycle that ran in between may have moved them on.
      if (this.stopped !== null) return { why: this.stopped };
      if (this.cut === null || this.next === undefined) return { why: "no cycle has been folded yet" };
      const seq = this.next - 1;
      // Nothing folded since the last write: it stands (a save asked for during it, or twice).
      if (this.lastWritten?.seq === seq) return { same: this.lastWritten };
      const sliced = { ...parts(), fromSeq: this.fromSeq, cut: this.cut, seq, hash: this.lastHash };
      return { seq, bytes: await encodeSnapshotInSlices(sliced) };
    });
    if ("why" in encoded) return { written: false, why: encoded.why };
    if ("same" in encoded) return { written: true, ...encoded.same };
    await writeSnapshotFile(this.file, encoded.bytes);
    this.lastWritten = { seq: encoded.seq, bytes: encoded.bytes.length };
    return { written: true, ...this.lastWritten };
  }
}
