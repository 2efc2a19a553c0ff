// Per-miner time series for the dashboard's charts (hashrate, temperature, power, margin and
// the decision of each cycle), kept in fixed-size typed-array rings so 10,000 miners × N points
// stay cheap. Fed by the same records the ledger holds (and rebuilt from it on start); values
// are for display — the exact figures are in the records.

import type { DecisionBody, FleetRecord, ProfitBody, TelemetryBody } from "../core/records.ts";
import { recordTypes } from "../core/records.ts";
import { minerMargin } from "./fleet-view-state.ts";

export interface HistoryPoint {
  cycle: number;
  at: string;
  ok: boolean;
  hashrateThs: number | null;
  expectedThs: number | null;
  maxChipTempC: number | null;
  powerW: number | null;
  /** As it ran: $0 for a miner not hashing (stalled, stopped), like the fleet totals count it. */
  marginUsdPerDay: number | null;
  /** While not hashing: what it would earn if running (expected hashrate, nameplate power). */
  ifRunningMarginUsdPerDay: number | null;
  action: string | null;
}

const actions = ["", "HOLD", "RUN", "STOP", "RESTART"];

/** A ring's columns (every array of Ring below) and their element types. */
const columnTypes = {
  cycle: Float64Array,
  at: Float64Array,
  hashrate: Float64Array,
  expected: Float64Array,
  temp: Float32Array,
  power: Float32Array,
  margin: Float64Array,
  ifRunning: Float64Array,
  flags: Uint8Array,
} as const;
type Column = keyof typeof columnTypes;
const columns = Object.keys(columnTypes) as Column[];

/**
 * The rings as they are, for the state snapshot (state-snapshot.ts): each miner's head and size,
 * and per column one array of every ring's slots, miner after miner (binary: NaN stays NaN).
 */
export interface HistorySnapshot {
  capacity: number;
  cycleAt: [number, number][];
  miners: { id: string; head: number; size: number }[];
  columns: Record<Column, Float64Array | Float32Array | Uint8Array>;
}

class Ring {
  readonly cycle: Float64Array;
  readonly at: Float64Array;
  readonly hashrate: Float64Array;
  readonly expected: Float64Array;
  readonly temp: Float32Array;
  readonly power: Float32Array;
  readonly margin: Float64Array;
  readonly ifRunning: Float64Array;
  readonly flags: Uint8Array; // bit 0 ok; bits 1-3 action index
  head = 0;
  size = 0;

  constructor(capacity: number) {
    this.cycle = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
    this.hashrate = new Float64Array(capacity).fill(Number.NaN);
    this.expected = new Float64Array(capacity).fill(Number.NaN);
    this.temp = new Float32Array(capacity).fill(Number.NaN);
    this.power = new Float32Array(capacity).fill(Number.NaN);
    this.margin = new Float64Array(capacity).fill(Number.NaN);
    this.ifRunning = new Float64Array(capacity).fill(Number.NaN);
    this.flags = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.cycle.length;
  }

  /** Index of the newest point when it belongs to `cycle`, else -1. */
  latest(cycle: number): number {
    if (this.size === 0) return -1;
    const index = (this.head - 1 + this.capacity) % this.capacity;
    return this.cycle[index] === cycle ? index : -1;
  }

  push(cycle: number, atMs: number): number {
    const index = this.head;
    this.cycle[index] = cycle;
    this.at[index] = atMs;
    this.hashrate[index] = Number.NaN;
    this.expected[index] = Number.NaN;
    this.temp[index] = Number.NaN;
    this.power[index] = Number.NaN;
    this.margin[index] = Number.NaN;
    this.ifRunning[index] = Number.NaN;
    this.flags[index] = 0;
    this.head = (this.head + 1) % this.capacity;
    this.size = Math.min(this.capacity, this.size + 1);
    return index;
  }
}

const orNull = (value: number) => (Number.isNaN(value) ? null : value);

export class MinerHistory {
  private readonly rings = new Map<string, Ring>();
  private readonly capacity: number;
  private readonly cycleAt = new Map<number, number>();

  constructor(capacity = 120) {
    this.capacity = Math.max(1, capacity);
  }

  private ring(minerId: string): Ring {
    let ring = this.rings.get(minerId);
    if (!ring) {
      ring = new Ring(this.capacity);
      this.rings.set(minerId, ring);
    }
    return ring;
  }

  /** Takes in one ledger record (cycles, telemetry, profits, decisions; others are ignored). */
  add(record: FleetRecord): void {
    switch (record.type) {
      case recordTypes.cycle: {
        this.cycleAt.clear(); // only the current cycle's time is needed
        this.cycleAt.set(record.seq, Date.parse((record.body as { now: string }).now));
        return;
      }
      case recordTypes.telemetry: {
        const body = record.body as unknown as TelemetryBody;
        const ring = this.ring(body.minerId);
        const index = ring.push(body.cycle, this.cycleAt.get(body.cycle) ?? Date.parse(record.at));
        ring.flags[index] = body.ok ? 1 : 0;
        if (body.ok) {
          const t = body.telemetry;
          ring.hashrate[index] = Number(t.hashrateThs);
          ring.expected[index] = t.expectedThs === null ? Number.NaN : Number(t.expectedThs);
          ring.temp[index] = t.maxChipTempC ?? t.maxBoardTempC ?? Number.NaN;
          ring.power[index] = t.powerW ?? Number.NaN;
        }
        return;
      }
      case recordTypes.profit: {
        const body = record.body as unknown as ProfitBody;
        if (body.minerId === null) return;
        const ring = this.rings.get(body.minerId);
        const index = ring?.latest(body.cycle) ?? -1;
        if (ring && index >= 0) {
          const margin = minerMargin(body);
          ring.margin[index] = margin.marginUsdPerDay;
          ring.ifRunning[index] = margin.ifRunningMarginUsdPerDay ?? Number.NaN;
        }
        return;
      }
      case recordTypes.decision: {
        const body = record.body as unknown as DecisionBody;
        if (body.cycle === null) return;
        const ring = this.rings.get(body.minerId);
        const index = ring?.latest(body.cycle) ?? -1;
        if (ring && index >= 0)
          ring.flags[index] = ((ring.flags[index] as number) & 1) | (actions.indexOf(body.action) << 1);
        return;
      }
      default:
        return;
    }
  }

  /** Everything it holds, copied (see HistorySnapshot). */
  toSnapshot(): HistorySnapshot {
    const rings = [...this.rings];
    const capacity = this.capacity;
    const out = {} as HistorySnapshot["columns"];
    for (const column of columns) {
      const all = new columnTypes[column](rings.length * capacity);
      rings.forEach(([, ring], index) => {
        all.set(ring[column] as Float64Array, index * capacity);
      });
      out[column] = all;
    }
    return {
      capacity,
      cycleAt: [...this.cycleAt],
      miners: rings.map(([id, ring]) => ({ id, head: ring.head, size: ring.size })),
      columns: out,
    };
  }

  /** Holds exactly what `toSnapshot` copied instead of what it held (the same capacity). */
  restore(snapshot: HistorySnapshot): void {
    const capacity = this.capacity;
    if (snapshot.capacity !== capacity)
      throw new Error(`its charts keep ${snapshot.capacity} points per miner, these ${capacity}`);
    this.rings.clear();
    this.cycleAt.clear();
    for (const [cycle, ms] of snapshot.cycleAt) this.cycleAt.set(cycle, ms);
    snapshot.miners.forEach(({ id, head, size }, index) => {
      const ring = this.ring(id);
      for (const column of columns) {
        const from = snapshot.columns[column].subarray(index * capacity, (index + 1) * capacity);
        (ring[column] as Float64Array).set(from as Float64Array);
      }
      ring.head = head;
      ring.size = size;
    });
  }

  /** The newest `limit` points of a miner, oldest first. */
  series(minerId: string, limit = this.capacity): HistoryPoint[] {
    const ring = this.rings.get(minerId);
    if (!ring) return [];
    const count = Math.min(limit, ring.size);
    const points: HistoryPoint[] = [];
    for (let back = count; back >= 1; back--) {
      const i = (ring.head - back + ring.capacity) % ring.capacity;
      const flags = ring.flags[i] as number;
      points.push({
        cycle: ring.cycle[i] as number,
        at: new Date(ring.at[i] as number).toISOString(),
        ok: (flags & 1) === 1,
        hashrateThs: orNull(ring.hashrate[i] as number),
        expectedThs: orNull(ring.expected[i] as number),
        maxChipTempC: orNull(Math.round((ring.temp[i] as number) * 10) / 10),
        powerW: orNull(ring.power[i] as number),
        marginUsdPerDay: orNull(ring.margin[i] as number),
        ifRunningMarginUsdPerDay: orNull(ring.ifRunning[i] as number),
        action: actions[flags >> 1] || null,
      });
    }
    return points;
  }
}
