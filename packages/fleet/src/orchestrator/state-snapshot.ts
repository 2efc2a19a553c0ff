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

/**
 * The state part, encoded at once: taken at every cycle record, on the cycle's path, it must be a
 * copy (the state changes right after) and cheap (about 12 ms at 10,000 miners).
 */
export function encodeStatePart(seq: number, state: FleetState, facts: StartFacts): string {
  return JSON.stringify({ seq, state: tagged(state), facts: facts.toJSON() });
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

export function encodeSnapshot(parts: SnapshotParts): Buffer {
  const history = parts.history.toSnapshot();
  const blobs: { column: string; type: string; offset: number; length: number }[] = [];
  const arrays: Buffer[] = [];
  let offset = 0;
  for (const [column, array] of Object.entries(history.columns)) {
    blobs.push({ column, type: array.constructor.name, offset, length: array.length });
    arrays.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    offset += array.byteLength;
  }
  const head = JSON.stringify({
    format: snapshotFormat,
    fingerprint: foldFingerprint,
    partition: parts.partition,
    fromSeq: parts.fromSeq,
    seq: parts.seq,
    hash: parts.hash,
    view: tagged(parts.view),
    fleetProfit: parts.fleetProfit,
    history: { capacity: history.capacity, cycleAt: history.cycleAt, miners: history.miners, blobs },
  });
  // The state part goes in as the text it already is.
  const header = Buffer.from(`${head.slice(0, -1)},"state":${parts.statePart}}`, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const body = [length, header, ...arrays];
  const digest = createHash("sha256");
  for (const part of body) digest.update(part);
  return Buffer.concat([magic, digest.digest(), ...body]);
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
