// How a cycle's planned records cite each other: the pure core names what it cites by type and
// key (it cannot know seqs), and the shell resolves each name to the seq the record got when it
// was written. Replay resolves them the same way against the records in the ledger.

import type { Planned, Ref } from "../core/decide.ts";
import { type Json, withCites } from "../core/records.ts";

export function refKey(type: string, key: string): string {
  return `${type}\u0000${key}`;
}

/**
 * The seqs a cycle's records got, by type and key. Two levels rather than one map keyed by
 * refKey: a cycle resolves some 30,000 citations, and a lookup by the type and the key (strings
 * that already exist, with their hashes cached) builds and hashes no new string.
 */
export class CycleSeqs {
  private readonly byType = new Map<string, Map<string, number>>();

  set(type: string, key: string, seq: number): void {
    let seqs = this.byType.get(type);
    if (seqs === undefined) {
      seqs = new Map();
      this.byType.set(type, seqs);
    }
    seqs.set(key, seq);
  }

  get(type: string, key: string): number | undefined {
    return this.byType.get(type)?.get(key);
  }
}

export function resolveRef(cite: Ref, seqs: CycleSeqs): number {
  if ("seq" in cite) return cite.seq;
  const seq = seqs.get(cite.type, cite.key);
  if (seq === undefined)
    throw new Error(`internal: citation of ${cite.type} '${cite.key}' has no record in this cycle`);
  return seq;
}

/** A planned record's body with its citations resolved to seqs. */
export function bodyOf(planned: Planned, seqs: CycleSeqs): Json {
  const cites = planned.cites.map((cite) => resolveRef(cite, seqs));
  return withCites(planned.body, cites) as unknown as Json;
}
