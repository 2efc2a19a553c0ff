// What a controller does when it starts: it rebuilds its state from its ledger partition (the
// state is only ever the fold of those records), settles what the last run left open, and records
// the configuration when it changed.
//
// With a state snapshot (state-snapshot.ts) whose last record is still the ledger's, only the
// records after it are folded: a restart costs what happened since, not the whole history. The
// last cycle is always among them (the snapshot's state is cut just before a cycle record).
//
// Left open by a process that ended mid-cycle (killed, crashed, lost power): actions decided but
// without a receipt or a suppression, and a last cycle that did not write all its steps. Each
// decision gets a negative proof (never retried on old evidence), the cycle a
// fleet.cycle-interrupted record naming what it never wrote.

import type { Clock } from "../clock.ts";
import type { OperatorConfig } from "../config/types.ts";
import { decideCycle } from "../core/decide.ts";
import type { FleetState } from "../core/memory.ts";
import {
  type ConfigBody,
  type CycleBody,
  type CycleInterruptedBody,
  type DecisionBody,
  type Json,
  type ModeBody,
  type NetworkBody,
  type PriceBody,
  recordTypes,
  type TelemetryBody,
  withCites,
} from "../core/records.ts";
import { decisionRulesVersion, rulesOf } from "../core/rules-version.ts";
import { cycleCompleteness } from "./cycle-completeness.ts";
import { refKey } from "./cycle-refs.ts";
import { interruptedProof } from "./interruption.ts";
import { refuseNewerRules } from "./newer-rules.ts";
import type { NewRecord, Recorder, StoredRecordLike } from "./recorder.ts";
import type { StartFacts } from "./start-facts.ts";
import type { DecodedSnapshot } from "./state-snapshot.ts";
import { readBack } from "./unreadable-partition.ts";

/** How a start got its state: from a snapshot and the records after it, or by folding them all. */
export type StartReport =
  | { from: "snapshot"; snapshotSeq: number; records: number }
  | { from: "boundary"; fromSeq: number; records: number; snapshotNotUsed: string | null };

/** Why a start did not use a snapshot when it has none: a first start (any other reason is a warning). */
export const noSnapshot = "there is none";

/** The state snapshot a start may use (see state-snapshot.ts), and how to load it into the controller. */
export interface StartSnapshot {
  /** The file decoded; undefined: there is none. */
  found: DecodedSnapshot | { problem: string } | undefined;
  /** Loads it (throws: it cannot be, and the start folds everything instead). */
  restore(snapshot: DecodedSnapshot): void;
  /** Undoes a restore that threw halfway. */
  reset(): void;
}

/**
 * Folds the records of the partition through `take` (which updates `state` and `facts()` in place)
 * and returns the last configuration recorded and the records that settle an interrupted last run.
 * With a usable snapshot, only the records after its state's cut point are read: those up to the
 * snapshot's own seq through `takeState` (its view already holds them), the rest through `take`.
 */
export async function readPartition(source: {
  recorder: Recorder;
  partition: string;
  operatorId: string;
  clock: Clock;
  state: FleetState;
  facts: () => StartFacts;
  take: (record: StoredRecordLike) => void;
  takeState: (record: StoredRecordLike) => void;
  snapshot?: StartSnapshot;
  /** Called with the last cycle's record before it is folded (the controller keeps the state then). */
  beforeLastCycle?: (record: StoredRecordLike) => void;
}): Promise<{ lastConfig: Json | undefined; settle: NewRecord[]; start: StartReport }> {
  const { recorder, partition, operatorId, state } = source;
  // The last cycle, to tell whether it wrote everything: re-derived against the state before it.
  let lastCycle: StoredRecordLike | undefined;
  // Records moved to the ledger's archive are not read back: the state starts at the boundary (the
  // archiver re-records the configuration and mode hourly, so they follow it closely: anchorState).
  const fromSeq = (await recorder.archived?.(partition))?.records ?? 0;
  for await (const record of readBack(
    recorder.read(partition, { type: recordTypes.cycle, reverse: true, limit: 1, fromSeq }),
    partition,
    operatorId,
  ))
    lastCycle = record;
  // Before anything is folded or written: a newer Pithead's cycles are not this build's to follow.
  refuseNewerRules(partition, lastCycle);
  const snapshot = source.snapshot ? await usableSnapshot(source.snapshot, recorder, partition, fromSeq) : undefined;
  let readFrom = fromSeq;
  let viewFrom = fromSeq;
  let notUsed: string | null = typeof snapshot === "string" ? snapshot : null;
  let used = false;
  if (snapshot !== undefined && typeof snapshot !== "string") {
    try {
      source.snapshot?.restore(snapshot);
      used = true;
      readFrom = snapshot.stateSeq + 1;
      viewFrom = snapshot.seq + 1;
    } catch (error) {
      source.snapshot?.reset();
      notUsed = `it could not be loaded (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  let beforeLast: FleetState | undefined;
  const lastCycleRecords: StoredRecordLike[] = [];
  let lastRecorded = false;
  let records = 0;
  for await (const record of readBack(
    recorder.read(partition, readFrom > 0 ? { fromSeq: readFrom } : {}),
    partition,
    operatorId,
  )) {
    records++;
    if (lastCycle && record.seq === lastCycle.seq) source.beforeLastCycle?.(record);
    if (record.seq >= viewFrom) source.take(record);
    else source.takeState(record);
    if (lastCycle && record.seq === lastCycle.seq) beforeLast = structuredClone(state);
    else if (lastCycle && (record.body as { cycle?: unknown }).cycle === lastCycle.seq) {
      if (record.type === recordTypes.cycleInterrupted) lastRecorded = true;
      else lastCycleRecords.push(record);
    }
  }
  const facts = source.facts();
  const unsettled = facts.unsettled;
  // Never retried on old evidence and never left without an outcome: each gets a negative proof.
  const at = new Date(source.clock.now());
  const cut =
    lastCycle && beforeLast && !lastRecorded
      ? unwrittenSteps(lastCycle, beforeLast, lastCycleRecords, [...unsettled.values()], operatorId)
      : [];
  const interrupted: CycleInterruptedBody | undefined =
    lastCycle && cut.length > 0
      ? {
          cycle: lastCycle.seq,
          reason: "PROCESS_STOPPED",
          detail: `the controller stopped during this cycle, before it wrote its ${cut.join(", ")} (the process ended: killed, crashed or lost power; why is not recorded); found on the next start, the next cycle decides afresh`,
          unwritten: cut,
        }
      : undefined;
  const settle: NewRecord[] = [
    ...(interrupted && lastCycle
      ? [
          {
            type: recordTypes.cycleInterrupted,
            body: withCites(interrupted, [lastCycle.seq]) as unknown as Json,
            at,
          },
        ]
      : []),
    ...[...unsettled.values()].map(({ seq, body }) => interruptedProof(seq, body, at)),
  ];
  const start: StartReport = used
    ? { from: "snapshot", snapshotSeq: readFrom - 1, records }
    : { from: "boundary", fromSeq, records, snapshotNotUsed: notUsed };
  return { lastConfig: facts.lastConfig, settle, start };
}

/**
 * The snapshot, or why it is not used: it must continue this partition's ledger as it is now (its
 * last record's hash still at its seq: a ledger rewound, replaced or rewritten since has another),
 * and every record after its state must still be here (not archived since).
 */
async function usableSnapshot(
  snapshot: StartSnapshot,
  recorder: Recorder,
  partition: string,
  fromSeq: number,
): Promise<DecodedSnapshot | string | undefined> {
  const found = snapshot.found;
  if (found === undefined) return noSnapshot;
  if ("problem" in found) return found.problem;
  if (found.partition !== partition) return `it is partition ${found.partition}'s`;
  if (found.stateSeq + 1 < fromSeq) return `records up to #${fromSeq - 1} were archived after it was written`;
  if (found.fromSeq > fromSeq) return "the ledger's archive boundary moved back (another ledger?)";
  let record: StoredRecordLike | undefined;
  try {
    record = await recorder.get(partition, found.seq);
  } catch (error) {
    return `its record #${found.seq} cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!record) return `the ledger has no record #${found.seq} (rewound or replaced since)`;
  if (record.hash !== found.hash)
    return `the ledger's record #${found.seq} is not the one it was folded up to (rewound, replaced or rewritten since)`;
  return found;
}

/** The configuration record (and a mode switch it causes) to write, none if it did not change. */
export function configRecords(
  operator: OperatorConfig,
  lastConfig: Json | undefined,
  state: FleetState,
  clock: Clock,
): NewRecord[] {
  const config: ConfigBody = {
    operatorId: operator.id,
    label: operator.label,
    mode: operator.mode,
    dryRun: operator.dryRun,
    policy: operator.policy,
    site: operator.site,
    miners: operator.miners.length,
    minerAddresses: Object.fromEntries(
      operator.miners.map((miner) => [
        miner.id,
        `${miner.host.includes(":") ? `[${miner.host}]` : miner.host}:${miner.port}`,
      ]),
    ),
  };
  if (
    lastConfig !== undefined &&
    JSON.stringify(sortKeys(lastConfig)) === JSON.stringify(sortKeys(config as unknown as Json))
  )
    return [];
  const at = new Date(clock.now());
  const entries: NewRecord[] = [{ type: recordTypes.config, body: config as unknown as Json, at }];
  // The mode follows the configuration only when the configured mode itself was edited (see
  // foldRecord); then the switch is recorded like any other, with who and why.
  if (state.configuredMode !== null && state.configuredMode !== config.mode && state.mode !== config.mode) {
    const change: ModeBody = {
      mode: config.mode,
      previous: state.mode,
      by: "config",
      reason: `the configured mode changed from ${state.configuredMode} to ${config.mode}`,
    };
    entries.push({ type: recordTypes.mode, body: change as unknown as Json, at });
  }
  return entries;
}

/**
 * The steps a cycle never wrote (none: it is complete): its derived records are re-derived from
 * the state before it, as replay does, and compared tier by tier with those in the ledger.
 */
function unwrittenSteps(
  cycleRecord: StoredRecordLike,
  before: FleetState,
  records: StoredRecordLike[],
  unsettled: { body: DecisionBody }[],
  operatorId: string,
): string[] {
  const telemetry: { seq: number; body: TelemetryBody }[] = [];
  let price: { seq: number; body: PriceBody } | undefined;
  let network: { seq: number; body: NetworkBody } | undefined;
  const present = new Set<string>();
  for (const record of records) {
    const body = record.body as Record<string, Json>;
    if (record.type === recordTypes.telemetry)
      telemetry.push({ seq: record.seq, body: body as unknown as TelemetryBody });
    else if (record.type === recordTypes.price) price = { seq: record.seq, body: body as unknown as PriceBody };
    else if (record.type === recordTypes.network) network = { seq: record.seq, body: body as unknown as NetworkBody };
    else present.add(refKey(record.type, typeof body.key === "string" ? body.key : String(body.minerId)));
  }
  if (!price || !network) return ["observations", "evidence", "decisions", "suppressions", "receipts"];
  const cycleSeq = cycleRecord.seq;
  let steps: string[] = [];
  // Under older rules a re-derivation may differ anyway: only the unsettled decisions tell then.
  if (rulesOf(cycleRecord.body as unknown as CycleBody) === decisionRulesVersion) {
    try {
      const nowMs = Date.parse((cycleRecord.body as unknown as CycleBody).now);
      const outcome = decideCycle(before, { cycleSeq, telemetry, price, network }, nowMs, operatorId);
      steps = cycleCompleteness(outcome, (item) => present.has(refKey(item.type, item.key))).cutTiers;
    } catch {
      // Replay reports a cycle that cannot be re-derived; the start goes on.
    }
  }
  if (unsettled.some(({ body }) => body.cycle === cycleSeq)) steps.push("receipts");
  return steps;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, Json>)[key] as Json)]),
    );
  }
  return value;
}
