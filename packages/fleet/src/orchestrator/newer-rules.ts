// A partition a newer Pithead has decided cycles in is not one this build may go on deciding in:
// it does not know the newer rules (a latch it would not hold, a reason it would not give), and
// the cycles it appended would read as the fleet's own history. Found from the last cycle record
// (one read, done on every start anyway), before the start writes anything; as the coordinator
// refuses a database migrated by a newer version.

import { type CycleBody, recordTypes } from "../core/records.ts";
import { decisionRulesVersion, rulesOf } from "../core/rules-version.ts";
import type { StoredRecordLike } from "./recorder.ts";

export class NewerRulesError extends Error {
  readonly partition: string;
  readonly rules: number;

  constructor(partition: string, cycleSeq: number, rules: number) {
    super(
      `ledger partition ${partition} was run by a newer Pithead: its cycle #${cycleSeq} was decided under decision rules version ${rules}, this version knows up to ${decisionRulesVersion}. Upgrade Pithead (to the version that wrote it, or newer) to run cycles and commands on it; this version refuses to, since it would decide without the newer rules`,
    );
    this.name = "NewerRulesError";
    this.partition = partition;
    this.rules = rules;
  }
}

/** Throws NewerRulesError when `lastCycle` was decided under rules newer than this build's. */
export function refuseNewerRules(partition: string, lastCycle: StoredRecordLike | undefined): void {
  if (!lastCycle || lastCycle.type !== recordTypes.cycle) return;
  const rules = rulesOf(lastCycle.body as unknown as CycleBody);
  if (rules > decisionRulesVersion) throw new NewerRulesError(partition, lastCycle.seq, rules);
}
