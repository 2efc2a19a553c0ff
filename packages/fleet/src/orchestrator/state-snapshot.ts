// The state snapshot's format: what a controller folded from its partition, written beside the
// ledger so that a restart folds only the records after it (open-partition.ts). Not evidence: a
// cache of the fold, named by the seq and hash of the last record folded, used only while the
// ledger still holds that record and thrown away otherwise (deleting it is always safe).
//
// Two cut points, because a start must re-examine the last cycle against the state before it:
// the state (and start facts) as they were just before a cycle record (`state.seq`), the view,
// charts and fleet totals as they were when written (`seq`, later). The tail folded on start
// begins after the first; the second's records only reach the state.
//
// File: magic, SHA-256 of the rest, u32 header length, header JSON, then the charts' columns as
// raw little-endian arrays (a 10,000-miner fleet's charts are most of the bytes, and NaN survives).

import { createHash } from "node:crypto";
import {
  applyReceipt,
  applyTelemetry,
  emptyMemory,
  emptyState,
  type FleetState,
  foldRecord,
  latchFor,
} from "../core/memory.ts";
import type { Json } from "../core/records.ts";
import { decisionRulesVersion } from "../core/rules-version.ts";
import { FleetViewState, minerMargin } from "./fleet-view-state.ts";
import { type HistorySnapshot, MinerHistory } from "./history.ts";
import { StartFacts, type StartFactsJson } from "./start-facts.ts";

/** Bumped when this file's layout changes; a snapshot of another format is not read. */
export const snapshotFormat = 1;
const magic = Buffer.from("PHFLEET\n", "latin1");

/**
 * Changes whenever the code of the fold does: a snapshot folded by other code (an upgrade that
 * changed what a record does to the state) would not be what this build's fold gives, so it is
 * not read. Nobody has to remember to bump a version for it.
 */
export const foldFingerprint = createHash("sha256")
  .update(
    [
      snapshotFormat,
      decisionRulesVersion,
      foldRecord,
      applyTelemetry,
      applyReceipt,
      latchFor,
      emptyState,
      emptyMemory,
      FleetViewState,
      minerMargin,
      MinerHistory,
      StartFacts,
    ]
      .map(String)
      .join("\n"),
  )
  .digest("hex")
  .slice(0, 32);

/**
 * An object's own Maps and Sets (the state's miners, decisions, executed; the view's maps), tagged
 * so that they come back as they were; a field added to either is kept without a change here.
 * What they hold is plain JSON (record values: finite numbers, strings).
 */
function tagged(object: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => [
      key,
      value instanceof Map ? { $map: [...value] } : value instanceof Set ? { $set: [...value] } : value,
    ]),
  );
}

/** A tagged Map or Set back, one level (what `tagged` wrote). */
function untagged(value: unknown): unknown {
  const object = value as { $map?: unknown; $set?: unknown } | null;
  if (object === null || typeof object !== "object" || Object.keys(object).length !== 1) return value;
  if (Array.isArray(object.$map)) return new Map(object.$map as [unknown, unknown][]);
  if (Array.isArray(object.$set)) return new Set(object.$set);
  return value;
}

/** The state part back from its tagged form (a walk: JSON.parse's reviver is slower). */
function revive(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1) {
    if (Array.isArray(object.$map)) return new Map(revive(object.$map) as [unknown, unknown][]);
    if (Array.isArray(object.$set)) return new Set(revive(object.$set) as unknown[]);
  }
  for (const key of keys) object[key] = revive(object[key]);
  return object;
}

/** The state and start facts as they were just before a cycle record (`seq`: the record before it). */
export interface StateCut {
  seq: number;
  state: FleetState;
  facts: StartFactsJson;
}

/**
 * The state part as it is now, taken at every cycle record, on the cycle's path: it must be a copy
 * (the state changes right after) and cheap. The fold replaces a map's entries and never changes
 * one in place (memory.ts, start-facts.ts), so copies of the maps and sets are the state at this
 * moment: about a millisecond at 10,000 miners, where encoding it was 12 to 30 ms. Encoded only
 * when a snapshot is written (encodeStateCut).
 */
export function cutState(seq: number, state: FleetState, facts: StartFacts): StateCut {
  const copy = Object.fromEntries(
    Object.entries(state).map(([key, value]) => [
      key,
      value instanceof Map ? new Map(value) : value instanceof Set ? new Set(value) : value,
    ]),
  );
  return { seq, state: copy as unknown as FleetState, facts: facts.toJSON() };
}

/** The state part's text in the file (the same bytes whether cut earlier or encoded at once). */
export function encodeStateCut(cut: StateCut): string {
  return JSON.stringify({ seq: cut.seq, state: tagged(cut.state), facts: cut.facts });
}

/** The state part, encoded at once. */
export function encodeStatePart(seq: number, state: FleetState, facts: StartFacts): string {
  return encodeStateCut({ seq, state, facts: facts.toJSON() });
}

export interface SnapshotParts {
  partition: string;
  /** The archive boundary the fold began at (the fold of a controller started from a snapshot began earlier). */
  fromSeq: number;
  /** From encodeStatePart. */
  statePart: string;
  /** The last record folded into everything, and its hash. */
  seq: number;
  hash: string;
  view: FleetViewState;
  history: MinerHistory;
  fleetProfit: { cycle: number; body: Json } | null;
}

/** Map and Set entries encoded between two turns of the event loop, and bytes copied or hashed. */
const entriesPerSlice = 2_000;
const bytesPerSlice = 4 * 1024 * 1024;

/**
 * JSON of `object` as JSON.stringify(tagged(object)) writes it, as pieces of text, yielding after
 * every `entriesPerSlice` entries of its Maps and Sets (JSON.stringify of a collection's entries one
 * by one, joined, is the same text as of the array of them).
 */
function* taggedPieces(object: object, pieces: string[]): Generator<void, void> {
  let separator = "{";
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || typeof value === "function") continue; // omitted, as JSON.stringify does
    pieces.push(`${separator}${JSON.stringify(key)}:`);
    separator = ",";
    if (!(value instanceof Map || value instanceof Set)) {
      pieces.push(JSON.stringify(value));
      continue;
    }
    pieces.push(value instanceof Map ? '{"$map":[' : '{"$set":[');
    let count = 0;
    for (const entry of value) {
      pieces.push(count === 0 ? JSON.stringify(entry) : `,${JSON.stringify(entry)}`);
      if (++count % entriesPerSlice === 0) yield;
    }
    pieces.push("]}");
  }
  pieces.push(separator === "{" ? "{}" : "}");
}

/**
 * The file's bytes, built a slice at a time: the generator yields between slices (none more than
 * a few milliseconds of work at 10,000 miners, except the one copy of the charts' columns), and
 * returns the bytes. What it encodes must not change until it is done.
 */
function* snapshotSlices(parts: SnapshotParts | SlicedSnapshotParts): Generator<void, Buffer> {
  const history = parts.history.toSnapshot();
  yield;
  const blobs: { column: string; type: string; offset: number; length: number }[] = [];
  const arrays: Buffer[] = [];
  let offset = 0;
  for (const [column, array] of Object.entries(history.columns)) {
    blobs.push({ column, type: array.constructor.name, offset, length: array.length });
    arrays.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    offset += array.byteLength;
  }
  // The header: JSON of the fields below in this order, then the state part as the last member.
  const opening = JSON.stringify({
    format: snapshotFormat,
    fingerprint: foldFingerprint,
    partition: parts.partition,
    fromSeq: parts.fromSeq,
    seq: parts.seq,
    hash: parts.hash,
  });
  const pieces = [`${opening.slice(0, -1)},"view":`];
  yield* taggedPieces(parts.view, pieces);
  if (parts.fleetProfit !== undefined) pieces.push(`,"fleetProfit":${JSON.stringify(parts.fleetProfit)}`);
  const historyHead = { capacity: history.capacity, cycleAt: history.cycleAt, miners: history.miners, blobs };
  pieces.push(`,"history":${JSON.stringify(historyHead)},"state":`);
  if ("statePart" in parts) pieces.push(parts.statePart);
  else {
    // As encodeStateCut writes it.
    pieces.push(`{"seq":${JSON.stringify(parts.cut.seq)},"state":`);
    yield* taggedPieces(parts.cut.state, pieces);
    pieces.push(`,"facts":${JSON.stringify(parts.cut.facts)}}`);
  }
  pieces.push("}");
  yield;

  let headerLength = 0;
  for (const piece of pieces) headerLength += Buffer.byteLength(piece, "utf8");
  const prefix = magic.length + 32;
  const bytes = Buffer.allocUnsafe(prefix + 4 + headerLength + offset);
  magic.copy(bytes, 0);
  bytes.writeUInt32LE(headerLength, prefix);
  let at = prefix + 4;
  let sliceStart = at;
  for (const piece of pieces) {
    at += bytes.write(piece, at, "utf8");
    if (at - sliceStart >= bytesPerSlice) {
      sliceStart = at;
      yield;
    }
  }
  for (const array of arrays) {
    for (let from = 0; from < array.length; from += bytesPerSlice) {
      at += array.copy(bytes, at, from, Math.min(array.length, from + bytesPerSlice));
      yield;
    }
  }
  const digest = createHash("sha256");
  for (let from = prefix; from < bytes.length; from += bytesPerSlice) {
    digest.update(bytes.subarray(from, Math.min(bytes.length, from + bytesPerSlice)));
    yield;
  }
  digest.digest().copy(bytes, magic.length);
  return bytes;
}

/** The parts of a snapshot the controller's keeper writes: the state part still as it was cut. */
export type SlicedSnapshotParts = Omit<SnapshotParts, "statePart"> & { cut: StateCut };

/** The snapshot file's bytes, encoded at once. */
export function encodeSnapshot(parts: SnapshotParts | SlicedSnapshotParts): Buffer {
  const slices = snapshotSlices(parts);
  for (;;) {
    const step = slices.next();
    if (step.done) return step.value;
  }
}

/** Captured at load: tests that install fake timers must not stall an encode. */
const nextTurn: (callback: () => void) => void = globalThis.setImmediate;

/**
 * The same bytes as encodeSnapshot, encoded a slice at a time with a turn of the event loop between
 * slices: at 10,000 miners the file is about 90 MB, and encoded at once it held the event loop (the
 * API, the poll timers) for 0.5 to 0.7 s. The caller keeps `parts` from changing until it resolves.
 */
export async function encodeSnapshotInSlices(parts: SnapshotParts | SlicedSnapshotParts): Promise<Buffer> {
  const slices = snapshotSlices(parts);
  for (;;) {
    const step = slices.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => nextTurn(resolve));
  }
}

export interface DecodedSnapshot {
  partition: string;
  fromSeq: number;
  seq: number;
  hash: string;
  stateSeq: number;
  state: FleetState;
  facts: StartFacts;
  /** FleetViewState's own fields, its maps as Maps. */
  view: Record<string, unknown>;
  history: HistorySnapshot;
  fleetProfit: { cycle: number; body: Json } | null;
}

/** The snapshot in `file`, or why it cannot be used (damaged, another format or fold). */
export function decodeSnapshot(file: Buffer): DecodedSnapshot | { problem: string } {
  const prefix = magic.length + 32;
  if (file.length < prefix + 4 || !file.subarray(0, magic.length).equals(magic))
    return { problem: "it is not a state snapshot" };
  const digest = createHash("sha256").update(file.subarray(prefix)).digest();
  if (!digest.equals(file.subarray(magic.length, prefix))) return { problem: "it is damaged (checksum)" };
  const headerLength = file.readUInt32LE(prefix);
  const blobsAt = prefix + 4 + headerLength;
  let header: {
    format?: unknown;
    fingerprint?: unknown;
    partition: string;
    fromSeq: number;
    seq: number;
    hash: string;
    view: Record<string, unknown>;
    fleetProfit: DecodedSnapshot["fleetProfit"];
    history: Omit<HistorySnapshot, "columns"> & {
      blobs: { column: string; type: string; offset: number; length: number }[];
    };
    state: { seq: number; state: FleetState; facts: StartFactsJson };
  };
  try {
    header = JSON.parse(file.subarray(prefix + 4, blobsAt).toString("utf8"));
  } catch {
    return { problem: "it is damaged (header)" };
  }
  if (header.format !== snapshotFormat)
    return { problem: `it has format ${String(header.format)}, not ${snapshotFormat}` };
  if (header.fingerprint !== foldFingerprint) return { problem: "it was folded by another release of the controller" };
  const types = { Float64Array, Float32Array, Uint8Array } as const;
  const columns: Record<string, Float64Array | Float32Array | Uint8Array> = {};
  for (const blob of header.history.blobs) {
    const type = types[blob.type as keyof typeof types];
    if (!type) return { problem: "it is damaged (charts)" };
    const bytes = file.subarray(blobsAt + blob.offset, blobsAt + blob.offset + blob.length * type.BYTES_PER_ELEMENT);
    // Copied out: the file's buffer is not aligned for wider elements.
    columns[blob.column] = new type(new Uint8Array(bytes).buffer);
  }
  return {
    partition: header.partition,
    fromSeq: header.fromSeq,
    seq: header.seq,
    hash: header.hash,
    stateSeq: header.state.seq,
    state: revive(header.state.state) as FleetState,
    facts: StartFacts.fromJSON(revive(header.state.facts) as StartFactsJson),
    // Only its own maps are tagged (a walk through every poll would cost for nothing).
    view: Object.fromEntries(Object.entries(header.view).map(([key, value]) => [key, untagged(value)])),
    history: {
      capacity: header.history.capacity,
      cycleAt: header.history.cycleAt,
      miners: header.history.miners,
      columns: columns as HistorySnapshot["columns"],
    },
    fleetProfit: header.fleetProfit,
  };
}

/** Fills `view` with what a snapshot held (its maps stay the view's own, which the API reads). */
export function restoreView(view: FleetViewState, from: DecodedSnapshot["view"]): void {
  const target = view as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(from)) {
    const field = target[key];
    if (field instanceof Map && value instanceof Map) {
      field.clear();
      for (const [id, entry] of value) field.set(id, entry);
    } else target[key] = value;
  }
}

/** Fills `state` (the controller's own object) with a snapshot's. */
export function restoreState(state: FleetState, from: FleetState): void {
  Object.assign(state, from);
}
