// One page of an operator's records of one type, newest first, with the list routes' filters
// (miner, cycle, action) applied while reading: the read stops as soon as the page is full, and
// never goes on past a bounded number of records, however rare the filter's matches. `after` and
// the answer's `nextAfter` let a client read only what was written since its last look.

import type { Ledger, ReadOptions, StoredRecord } from "@pithead/ledger";
import { type Action, recordTypes } from "../core/records.ts";
import { fleetErrors } from "./errors.ts";

export const actions: readonly Action[] = ["RUN", "STOP", "RESTART", "HOLD"];

/**
 * Records of the type one request examines at most. A filter that matches rarely (the actions
 * among a healthy fleet's HOLDs, a miner that is gone) would otherwise read the whole partition on
 * every request; instead the page comes back short with `nextBefore` where the reading stopped.
 */
export const SCAN_BUDGET = 10_000;

export interface PageQuery {
  limit: number;
  before?: number;
  after?: number;
  minerId?: string;
  cycle?: number;
  /** Comma list of actions, as sent (`RUN,STOP`). */
  action?: string;
}

export interface PageResult {
  records: StoredRecord[];
  /** The `before` of the next older page; null once the oldest record was read. */
  next: number | null;
  /**
   * Every record of the type from here down to `next` (or the start) was read: the `after` that
   * asks for only what is newer. Null when the partition was empty.
   */
  nextAfter: number | null;
}

/** `RUN,STOP` → the set; anything else is a 422 naming the field and the allowed values. */
export function parseActions(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const wanted = value.split(",");
  const bad = wanted.find((action) => !(actions as readonly string[]).includes(action));
  if (bad === undefined) return new Set(wanted);
  const message = `querystring.action must be a comma-separated list of ${actions.join(", ")} (got ${JSON.stringify(bad)})`;
  throw fleetErrors.error(
    "VALIDATION_FAILED",
    {
      field: "querystring.action",
      errors: [
        {
          location: "querystring",
          path: ["action"],
          field: "querystring.action",
          message,
          keyword: "enum",
          input: value,
        },
      ],
    },
    message,
  );
}

/**
 * The seq range that can hold cycle `cycle`'s records: they cite its `fleet.cycle` record (seq
 * `cycle`), so come after it, and an operator's cycles run one at a time (and one process writes its
 * partition), so they come before the next cycle record.
 */
async function cycleRange(ledger: Ledger, partition: string, cycle: number): Promise<{ from: number; to?: number }> {
  for await (const next of ledger.read(partition, { type: recordTypes.cycle, fromSeq: cycle + 1, limit: 1 }))
    return { from: cycle + 1, to: next.seq - 1 };
  return { from: cycle + 1 };
}

/**
 * `cycle` must be the seq of a `fleet.cycle` record: any other seq (a decision's, one past the end)
 * is a 404 naming the parameter, not an empty page that reads as "this cycle decided nothing".
 */
async function assertCycle(ledger: Ledger, partition: string, cycle: number, size: number): Promise<void> {
  // An archived cycle record cannot be looked at here: the archive rule below answers for its page.
  if (cycle < ((await ledger.archived?.(partition))?.records ?? 0)) return;
  const record = cycle < size ? await ledger.get(partition, cycle) : undefined;
  if (record?.type === recordTypes.cycle) return;
  const found = record
    ? `record #${cycle} of ${partition} is a ${record.type}, not a ${recordTypes.cycle}`
    : `${partition} has no record #${cycle} (it holds ${size})`;
  throw fleetErrors.error(
    "UNKNOWN_CYCLE",
    { field: "querystring.cycle", cycle },
    `querystring.cycle must be the seq of a ${recordTypes.cycle} record: ${found}`,
  );
}

export async function readPage(ledger: Ledger, partition: string, type: string, query: PageQuery): Promise<PageResult> {
  const wanted = parseActions(query.action);
  const records: StoredRecord[] = [];
  // The top of the range read: a record written after this is newer than the answer.
  const last = (await ledger.size(partition)) - 1;
  let top = query.before === undefined ? last : Math.min(last, query.before - 1);
  if (query.cycle !== undefined) await assertCycle(ledger, partition, query.cycle, last + 1);
  const answer = (next: number | null): PageResult => ({ records, next, nextAfter: top < 0 ? null : top });
  // Nothing can lie past the last record (and a seq past it may be past what the ledger takes).
  if ((query.after ?? -1) >= last || (query.cycle ?? -1) >= last) return answer(null);
  let toSeq = query.before === undefined ? undefined : query.before - 1;
  let fromSeq = query.after === undefined ? undefined : query.after + 1;
  if (query.cycle !== undefined) {
    const range = await cycleRange(ledger, partition, query.cycle);
    fromSeq = Math.max(fromSeq ?? 0, range.from);
    if (range.to !== undefined) toSeq = toSeq === undefined ? range.to : Math.min(toSeq, range.to);
  }
  if ((toSeq !== undefined && toSeq < (fromSeq ?? 0)) || top < 0) return answer(null);
  // Records moved to the archive are not read: a page asked wholly below the boundary is a 410, one
  // that reaches it ends there.
  const archivedTo = (await ledger.archived?.(partition))?.records ?? 0;
  if (archivedTo > 0) {
    if ((toSeq ?? top) < archivedTo) {
      throw fleetErrors.error(
        "RECORD_ARCHIVED",
        { archivedTo: archivedTo - 1 },
        `records 0..${archivedTo - 1} of ${partition} were moved to the ledger's archive`,
      );
    }
    fromSeq = Math.max(fromSeq ?? 0, archivedTo);
  }
  const options: ReadOptions = { type, reverse: true };
  if (toSeq !== undefined) options.toSeq = toSeq;
  if (fromSeq !== undefined) options.fromSeq = fromSeq;
  let examined = 0;
  for await (const record of ledger.read(partition, options)) {
    // Written between the size and the read: covered too.
    top = Math.max(top, record.seq);
    const body = record.body as { minerId?: unknown; cycle?: unknown; action?: unknown };
    if (
      (query.minerId === undefined || body.minerId === query.minerId) &&
      (query.cycle === undefined || body.cycle === query.cycle) &&
      (wanted === undefined || wanted.has(body.action as string))
    ) {
      records.push(record);
      if (records.length >= query.limit) return answer(record.seq);
    }
    if (++examined >= SCAN_BUDGET) {
      // Stopped on the budget: what lies below is for the next page, not nothing (unless this was
      // the bottom of the range asked for).
      return answer(fromSeq !== undefined && record.seq <= fromSeq ? null : record.seq);
    }
  }
  return answer(null);
}
