// The fleet timeline's data: decisions and negative proofs, two record types paged newest first
// from the fleet's ledger (`/ledger/decisions`, `/ledger/negative-proofs`, `?limit&before`), merged
// into one list that never has a gap. Each type is known completely from its top down to its
// floor; the merged list shows only what lies above both floors, and paging back extends the type
// whose floor is higher. While HOLDs are hidden the decisions source asks the fleet for the
// actions only (`?action=RUN,STOP,RESTART`), so the HOLDs of a healthy fleet (almost every
// decision) are never read; a refresh asks only for what is newer than its top (`?after=`).

import type { CycleBody, DecisionBody, FleetRecord, NegativeProofBody } from "../../api/fleet.ts";

export interface Page<Body> {
  records: FleetRecord<Body>[];
  /**
   * The `before` that fetches the next older page; null once the oldest record was returned. A
   * filtered page may hold fewer records than asked for and still have one (the fleet bounds what
   * one request reads).
   */
  nextBefore: number | null;
  /** The `after` that asks for only what was written since; null or absent: the ledger was empty. */
  nextAfter?: number | null;
}
export type FetchPage<Body> = (before: number | undefined, after?: number) => Promise<Page<Body>>;

export interface TimelineSources {
  /** Every decision while HOLDs are shown, the actions only while they are hidden. */
  decisions: FetchPage<DecisionBody>;
  proofs: FetchPage<NegativeProofBody>;
  /** The cycles, newest first (a short page): read only to say how many held every miner. */
  cycles: FetchPage<CycleBody>;
}

interface Stream<Body> {
  /** The records kept, newest first. */
  records: FleetRecord<Body>[];
  /** Every record of this type with floor <= seq <= top has been seen (floor 0: all of them). */
  floor: number;
  /** Where the reading started (-1: not yet, or the ledger was empty): a refresh reads what is newer. */
  top: number;
}

export interface TimelineState {
  showHold: boolean;
  decisions: Stream<DecisionBody>;
  proofs: Stream<NegativeProofBody>;
  /**
   * When the list is empty with HOLDs hidden: the cycles in the range read, each of which held
   * every miner it decided on (`more`: at least that many). Null otherwise.
   */
  quiet: { cycles: number; more: boolean; top: number } | null;
}

export type TimelineEntry =
  | { kind: "decision"; record: FleetRecord<DecisionBody> }
  | { kind: "negative-proof"; record: FleetRecord<NegativeProofBody> };

/** Pages fetched at most per load, refresh or "show more" (500 records each). */
export const PAGE_BUDGET = 8;

export function emptyTimeline(showHold: boolean): TimelineState {
  const stream = () => ({ records: [], floor: Number.POSITIVE_INFINITY, top: -1 });
  return { showHold, decisions: stream(), proofs: stream(), quiet: null };
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

/** Adds an older page below what the stream has seen (the first page sets its top). */
function below<Body>(stream: Stream<Body>, page: Page<Body>): Stream<Body> {
  const top = stream.top >= 0 ? stream.top : (page.nextAfter ?? page.records[0]?.seq ?? -1);
  return {
    records: [...stream.records, ...page.records],
    // Everything from the request's `before` down to nextBefore was read, matches or not.
    floor: page.nextBefore === null ? 0 : Math.min(stream.floor, page.nextBefore),
    top,
  };
}

/**
 * How many cycles an empty list (HOLDs hidden) covers: they held every miner they decided on. A
 * refresh adds the cycles since the last count (`since`) rather than counting again.
 */
async function quietCycles(
  state: TimelineState,
  sources: TimelineSources,
  since: TimelineState["quiet"] = null,
): Promise<TimelineState["quiet"]> {
  if (state.showHold || timelineEntries(state).length > 0) return null;
  if (since && since.top >= 0) {
    const page = await sources.cycles(undefined, since.top);
    return {
      cycles: since.cycles + page.records.length,
      more: since.more || page.nextBefore !== null,
      top: page.nextAfter ?? since.top,
    };
  }
  const floor = timelineFloor(state);
  const page = await sources.cycles(undefined);
  const inRange = page.records.filter((record) => record.seq >= floor);
  return {
    cycles: inRange.length,
    more: inRange.length === page.records.length && page.nextBefore !== null,
    top: page.nextAfter ?? page.records[0]?.seq ?? -1,
  };
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
  const state: TimelineState = { ...start };
  for (let pages = 0; pages < PAGE_BUDGET && hasOlder(state) && timelineEntries(state).length < want; ) {
    const floor = timelineFloor(state);
    const before = (stream: Stream<unknown>) => (Number.isFinite(stream.floor) ? stream.floor : undefined);
    const [decisions, proofs] = await Promise.all([
      state.decisions.floor === floor ? sources.decisions(before(state.decisions)) : undefined,
      state.proofs.floor === floor ? sources.proofs(before(state.proofs)) : undefined,
    ]);
    if (decisions) {
      state.decisions = below(state.decisions, decisions);
      pages++;
    }
    if (proofs) {
      state.proofs = below(state.proofs, proofs);
      pages++;
    }
  }
  return { ...state, quiet: await quietCycles(state, sources) };
}

/**
 * Reads one type from the newest record down to what it had seen (`after` its top: the fleet
 * reads no further); null when that took too many pages.
 */
async function newer<Body>(
  stream: Stream<Body>,
  fetch: FetchPage<Body>,
): Promise<{ records: FleetRecord<Body>[]; top: number } | null> {
  const fresh: FleetRecord<Body>[] = [];
  const after = stream.top >= 0 ? stream.top : undefined;
  let top = stream.top;
  let before: number | undefined;
  for (let pages = 0; pages < PAGE_BUDGET; pages++) {
    const page = await fetch(before, after);
    if (before === undefined) top = Math.max(top, page.nextAfter ?? page.records[0]?.seq ?? -1);
    for (const record of page.records) {
      // A fleet that ignores `after` still stops here.
      if (record.seq <= stream.top) return { records: fresh, top };
      fresh.push(record);
    }
    if (page.nextBefore === null || page.nextBefore <= stream.top) return { records: fresh, top };
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
  const state: TimelineState = { ...start };
  state.decisions = {
    ...start.decisions,
    records: [...decisions.records, ...start.decisions.records],
    top: decisions.top,
  };
  state.proofs = { ...start.proofs, records: [...proofs.records, ...start.proofs.records], top: proofs.top };
  const trimmed = trimTimeline(state, want);
  return { ...trimmed, quiet: await quietCycles(trimmed, sources, start.quiet) };
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
