// The fleet timeline's data: decisions and negative proofs, two record types paged newest first
// from the fleet's ledger (`/ledger/decisions`, `/ledger/negative-proofs`, `?limit&before`), merged
// into one list that never has a gap. Each type is known completely from its newest record down to
// its floor; the merged list shows only what lies above both floors, and paging back extends the
// type whose floor is higher. The fleet has no filter by action, so HOLD decisions (almost every
// decision of a healthy fleet) are paged through and, while hidden, only counted, not kept.

import type { DecisionBody, FleetRecord, NegativeProofBody } from "../../api/fleet.ts";

export interface Page<Body> {
  records: FleetRecord<Body>[];
  /** The `before` that fetches the next older page; null once the oldest record was returned. */
  nextBefore: number | null;
}
export type FetchPage<Body> = (before: number | undefined) => Promise<Page<Body>>;

export interface TimelineSources {
  decisions: FetchPage<DecisionBody>;
  proofs: FetchPage<NegativeProofBody>;
}

interface Stream<Body> {
  /** The records kept, newest first. */
  records: FleetRecord<Body>[];
  /** Every record of this type with seq >= floor has been seen (0: all of them). */
  floor: number;
  /** The newest seq seen of this type (-1: none yet): a refresh reads down to it. */
  top: number;
}

export interface TimelineState {
  showHold: boolean;
  decisions: Stream<DecisionBody>;
  proofs: Stream<NegativeProofBody>;
  /** HOLD decisions seen while they are hidden, and the cycles they came from. */
  held: { count: number; cycles: Set<number> };
}

export type TimelineEntry =
  | { kind: "decision"; record: FleetRecord<DecisionBody> }
  | { kind: "negative-proof"; record: FleetRecord<NegativeProofBody> };

/** Pages fetched at most per load, refresh or "show more" (500 records each). */
export const PAGE_BUDGET = 8;

export function emptyTimeline(showHold: boolean): TimelineState {
  const stream = () => ({ records: [], floor: Number.POSITIVE_INFINITY, top: -1 });
  return { showHold, decisions: stream(), proofs: stream(), held: { count: 0, cycles: new Set() } };
}

/** Below this seq the merged list could miss a record of one of the types. */
export function timelineFloor(state: TimelineState): number {
  return Math.max(state.decisions.floor, state.proofs.floor);
}

/** The merged list, newest first: only what both types cover, so nothing in between is missing. */
export function timelineEntries(state: TimelineState): TimelineEntry[] {
  const floor = timelineFloor(state);
  const entries: TimelineEntry[] = [];
  for (const record of state.decisions.records)
    if (record.seq >= floor && (state.showHold || record.body.action !== "HOLD"))
      entries.push({ kind: "decision", record });
  for (const record of state.proofs.records) if (record.seq >= floor) entries.push({ kind: "negative-proof", record });
  return entries.sort((a, b) => b.record.seq - a.record.seq);
}

/** Whether older records remain to be fetched. */
export function hasOlder(state: TimelineState): boolean {
  return timelineFloor(state) > 0;
}

/** Adds an older page below what the stream has seen. */
function below<Body>(stream: Stream<Body>, page: Page<Body>, kept: FleetRecord<Body>[]): Stream<Body> {
  const last = page.records.at(-1);
  return {
    records: [...stream.records, ...kept],
    floor: page.nextBefore === null ? 0 : Math.min(stream.floor, last?.seq ?? stream.floor),
    top: Math.max(stream.top, page.records[0]?.seq ?? -1),
  };
}

/** Keeps a decision, or only counts it when it is a hidden HOLD. */
function sortDecisions(state: TimelineState, records: FleetRecord<DecisionBody>[]): FleetRecord<DecisionBody>[] {
  if (state.showHold) return records;
  const kept: FleetRecord<DecisionBody>[] = [];
  for (const record of records) {
    if (record.body.action !== "HOLD") kept.push(record);
    else {
      state.held.count++;
      if (record.body.cycle !== null) state.held.cycles.add(record.body.cycle);
    }
  }
  return kept;
}

/**
 * Pages back until `want` entries show or the start is reached (at most PAGE_BUDGET pages): each
 * step extends the type whose floor limits the merged list.
 */
export async function extendTimeline(
  start: TimelineState,
  sources: TimelineSources,
  want: number,
): Promise<TimelineState> {
  const state: TimelineState = { ...start, held: { count: start.held.count, cycles: new Set(start.held.cycles) } };
  for (let pages = 0; pages < PAGE_BUDGET && hasOlder(state) && timelineEntries(state).length < want; ) {
    const floor = timelineFloor(state);
    const before = (stream: Stream<unknown>) => (Number.isFinite(stream.floor) ? stream.floor : undefined);
    const [decisions, proofs] = await Promise.all([
      state.decisions.floor === floor ? sources.decisions(before(state.decisions)) : undefined,
      state.proofs.floor === floor ? sources.proofs(before(state.proofs)) : undefined,
    ]);
    if (decisions) {
      state.decisions = below(state.decisions, decisions, sortDecisions(state, decisions.records));
      pages++;
    }
    if (proofs) {
      state.proofs = below(state.proofs, proofs, proofs.records);
      pages++;
    }
  }
  return state;
}

/** Reads one type from the newest record down to what it had seen; null when that took too many pages. */
async function newer<Body>(
  stream: Stream<Body>,
  fetch: FetchPage<Body>,
): Promise<{ records: FleetRecord<Body>[]; top: number } | null> {
  const fresh: FleetRecord<Body>[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < PAGE_BUDGET; pages++) {
    const page = await fetch(before);
    for (const record of page.records) {
      if (record.seq <= stream.top) return { records: fresh, top: Math.max(stream.top, fresh[0]?.seq ?? -1) };
      fresh.push(record);
    }
    if (page.nextBefore === null) return { records: fresh, top: Math.max(stream.top, fresh[0]?.seq ?? -1) };
    before = page.nextBefore;
  }
  return null;
}

/**
 * Adds what was recorded since, then keeps only what `want` entries need: the list does not grow
 * with the age of the page. More new records than PAGE_BUDGET pages starts over from the newest.
 */
export async function refreshTimeline(
  start: TimelineState,
  sources: TimelineSources,
  want: number,
): Promise<TimelineState> {
  if (start.decisions.top < 0 && start.proofs.top < 0)
    return extendTimeline(emptyTimeline(start.showHold), sources, want);
  const [decisions, proofs] = await Promise.all([
    newer(start.decisions, sources.decisions),
    newer(start.proofs, sources.proofs),
  ]);
  if (!decisions || !proofs) return extendTimeline(emptyTimeline(start.showHold), sources, want);
  const state: TimelineState = { ...start, held: { count: start.held.count, cycles: new Set(start.held.cycles) } };
  state.decisions = {
    ...start.decisions,
    records: [...sortDecisions(state, decisions.records), ...start.decisions.records],
    top: decisions.top,
  };
  state.proofs = { ...start.proofs, records: [...proofs.records, ...start.proofs.records], top: proofs.top };
  return trimTimeline(state, want);
}

/** Drops what lies below the `want`-th entry: it is fetched again if the list is paged back. */
export function trimTimeline(state: TimelineState, want: number): TimelineState {
  const cut = timelineEntries(state)[want - 1]?.record.seq;
  if (cut === undefined) return state;
  const trim = <Body>(stream: Stream<Body>): Stream<Body> => ({
    records: stream.records.filter((record) => record.seq >= cut),
    floor: Math.max(stream.floor, cut),
    top: stream.top,
  });
  return { ...state, decisions: trim(state.decisions), proofs: trim(state.proofs) };
}
