// How a cycle's planned records cite each other: the pure core names what it cites by type and
// key (it cannot know seqs), and the shell resolves each name to the seq the record got when it
// was written. Replay resolves them the same way against the records in the ledger.

import type { Planned, Ref } from "../core/decide.ts";
import { type Json, withCites } from "../core/records.ts";

export function refKey(type: string, key: string): string {
  return `${type}\u0000${key}`;
}

export function resolveRef(cite: Ref, seqs: Map<string, number>): number {
  if ("seq" in cite) return cite.seq;
  const seq = seqs.get(refKey(cite.type, cite.key));
  if (seq === undefined)
    throw new Error(`internal: citation of ${cite.type} '${cite.key}' has no record in this cycle`);
  return seq;
}

/** A planned record's body with its citations resolved to seqs. */
export function bodyOf(planned: Planned, seqs: Map<string, number>): Json {
  const cites = planned.cites.map((cite) => resolveRef(cite, seqs));
  return withCites(planned.body, cites) as unknown as Json;
}
