// What a controller does when it starts: it rebuilds its state from its ledger partition (the
// state is only ever the fold of those records), settles what the last run left open, and records
// the configuration when it changed.
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
import type { NewRecord, Recorder, StoredRecordLike } from "./recorder.ts";
import { readBack } from "./unreadable-partition.ts";

/**
 * Folds every record of the partition through `take` (which updates `state` in place) and returns
 * the last configuration recorded and the records that settle an interrupted last run.
 */
export async function readPartition(source: {
  recorder: Recorder;
  partition: string;
  operatorId: string;
  clock: Clock;
  state: FleetState;
  take: (record: StoredRecordLike) => void;
}): Promise<{ lastConfig: Json | undefined; settle: NewRecord[] }> {
  const { recorder, partition, operatorId, state } = source;
  let lastConfig: Json | undefined;
  // Actions decided but without a receipt or a suppression: the controller stopped in between.
  const unsettled = new Map<string, { seq: number; body: DecisionBody }>();
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
  let beforeLast: FleetState | undefined;
  const lastCycleRecords: StoredRecordLike[] = [];
  let lastRecorded = false;
  for await (const record of readBack(
    recorder.read(partition, fromSeq > 0 ? { fromSeq } : {}),
    partition,
    operatorId,
  )) {
    source.take(record);
    if (lastCycle && record.seq === lastCycle.seq) beforeLast = structuredClone(state);
    else if (lastCycle && (record.body as { cycle?: unknown }).cycle === lastCycle.seq) {
      if (record.type === recordTypes.cycleInterrupted) lastRecorded = true;
      else lastCycleRecords.push(record);
    }
    if (record.type === recordTypes.config) lastConfig = record.body;
    const body = record.body as { decisionId?: unknown; stage?: unknown; action?: unknown };
    if (record.type === recordTypes.decision && body.action !== "HOLD") {
      unsettled.set(String(body.decisionId), { seq: record.seq, body: record.body as unknown as DecisionBody });
    } else if (
      record.type === recordTypes.receipt ||
      (record.type === recordTypes.negativeProof && body.stage === "execution")
    ) {
      unsettled.delete(String(body.decisionId));
    }
  }
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
  return { lastConfig, settle };
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
