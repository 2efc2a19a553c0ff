// What a start needs from the partition besides the state (open-partition.ts): the last
// configuration recorded, and the decisions that act but have neither a receipt nor an execution
// proof (the process stopped in between). A fold like the state's, so that a running controller
// keeps it too and its state snapshot (state-snapshot.ts) can carry it.

import { type DecisionBody, type Json, recordTypes } from "../core/records.ts";
import type { StoredRecordLike } from "./recorder.ts";

export interface StartFactsJson {
  lastConfig: Json | null;
  unsettled: [string, { seq: number; body: DecisionBody }][];
}

export class StartFacts {
  lastConfig: Json | undefined;
  /** Decision id → its record, while it has no outcome (normally empty between cycles). */
  readonly unsettled = new Map<string, { seq: number; body: DecisionBody }>();

  take(record: StoredRecordLike): void {
    if (record.type === recordTypes.config) this.lastConfig = record.body;
    const body = record.body as { decisionId?: unknown; stage?: unknown; action?: unknown };
    if (record.type === recordTypes.decision && body.action !== "HOLD") {
      this.unsettled.set(String(body.decisionId), { seq: record.seq, body: record.body as unknown as DecisionBody });
    } else if (
      record.type === recordTypes.receipt ||
      (record.type === recordTypes.negativeProof && body.stage === "execution")
    ) {
      this.unsettled.delete(String(body.decisionId));
    }
  }

  toJSON(): StartFactsJson {
    return { lastConfig: this.lastConfig ?? null, unsettled: [...this.unsettled] };
  }

  static fromJSON(json: StartFactsJson): StartFacts {
    const facts = new StartFacts();
    // null never is a configuration body: a partition without one.
    facts.lastConfig = json.lastConfig ?? undefined;
    for (const [id, entry] of json.unsettled) facts.unsettled.set(id, entry);
    return facts;
  }
}
