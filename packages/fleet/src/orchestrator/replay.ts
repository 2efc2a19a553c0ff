// Deterministic replay: re-derives every cycle's divergences, profits, decisions and negative
// proofs from the ledger alone (the configuration, the observations and the clock are all in
// it) and reports each record that differs from what was written. It also checks the two
// invariants: no action without a decision, no suppressed action without a negative proof.
//
// A cycle decided under other decision rules (its fleet.cycle record's `rules`, see
// core/rules-version.ts: older ones, or newer ones after a rollback) is replayed under today's;
// what differs there is reported as "rules-changed" and does not fail the replay. A difference in a cycle decided under the current
// rules does: there the records no longer follow from their evidence.
//
// A cycle cut short (the process killed mid-cycle, a full disk) has its tiers up to some point and
// none after it. With a fleet.cycle-interrupted record naming it, that is evidence, reported as
// "interrupted" without failing the replay; the last cycle of the ledger may simply still be
// running ("in-progress", not failing either). A cycle cut short in the middle of the ledger with
// no record saying so fails, as any missing record does.
//
// Records moved to the ledger's archive (LEDGER_ARCHIVE_DIR) are read from it when the archive is
// given; otherwise the replay starts at the archive boundary: cycles before the first configuration
// record kept locally cannot be re-derived (their policy is in the archive), and for an hour of
// cycles after it the miners' memory (failed polls, low cycles, restarts) lacks its archived past,
// so what differs there is reported as "archived-history" and does not fail the replay.

import { type CycleOutcome, decideCycle, type Planned } from "../core/decide.ts";
import { emptyState, foldRecord } from "../core/memory.ts";
import type {
  CycleBody,
  CycleInterruptedBody,
  DecisionBody,
  Json,
  NetworkBody,
  PriceBody,
  ReceiptBody,
  TelemetryBody,
} from "../core/records.ts";
import { recordTypes, withCites } from "../core/records.ts";
import { decisionRulesVersion, rulesOf } from "../core/rules-version.ts";
import { cycleCompleteness } from "./cycle-completeness.ts";
import { CycleSeqs, refKey, resolveRef } from "./cycle-refs.ts";
import type { Recorder, StoredRecordLike } from "./recorder.ts";
import { describeChange } from "./replay-change.ts";

export interface ReplayDifference {
  cycleSeq: number | null;
  type: string;
  key: string;
  /**
   * "missing": re-derived but not in the ledger; "unexpected": in the ledger but not re-derived;
   * "changed": both, different; "rules-changed": any of those in a cycle decided under older
   * decision rules (not counted against `ok`); "unreplayable": the cycle could not be re-derived;
   * "interrupted": a cycle a fleet.cycle-interrupted record says was cut short, with what it never
   * wrote (not counted); "in-progress": the ledger's last cycle has not written all its records
   * yet (not counted: it is running, or its controller stopped and has not restarted).
   */
  kind:
    | "missing"
    | "unexpected"
    | "changed"
    | "rules-changed"
    | "invariant"
    | "unreplayable"
    | "interrupted"
    | "in-progress"
    | "archived-history";
  detail: string;
  expected: Json | null;
  actual: Json | null;
}

export interface ReplayReport {
  partition: string;
  records: number;
  cycles: number;
  decisions: number;
  rederived: number;
  /** The decision rules this replay re-derives with. */
  rules: number;
  /** Cycles decided under other (older, or after a rollback newer) rules, and how many differences they showed (kind "rules-changed"). */
  olderRules: { cycles: number; differences: number };
  /** Cycles recorded as interrupted (fleet.cycle-interrupted), each reported as kind "interrupted". */
  interrupted: number;
  /** The last cycle's seq when it has not written all its records yet (kind "in-progress"). */
  inProgress: number | null;
  differences: ReplayDifference[];
  /** No difference (other than "rules-changed", "interrupted", "in-progress", "archived-history") and no broken invariant. */
  ok: boolean;
  /**
   * Records 0..records-1 lie in the ledger's archive: `read` when they were replayed from it; else
   * the replay began at the boundary and `skippedCycles` could not be re-derived.
   */
  archived?: { records: number; read: boolean; skippedCycles: number };
}

/**
 * The replay had decisions to check and re-derived none of them (their cycles' configuration lies in
 * the archive): it found no difference because it compared nothing, which is no pass.
 */
export function checkedNothing(report: ReplayReport): boolean {
  return report.rederived === 0 && report.decisions > 0;
}

const derivedTypes = new Set<string>([
  recordTypes.divergence,
  recordTypes.modelChange,
  recordTypes.profit,
  recordTypes.decision,
  recordTypes.negativeProof,
]);

function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, Json>)[key] as Json)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Records between two turns given to the event loop (each turn costs microseconds). */
const yieldEvery = 256;

interface CycleGroup {
  record: StoredRecordLike;
  records: StoredRecordLike[];
}

/** How long after the first replayed cycle the miners' memory may still lack its archived past. */
const ARCHIVED_HISTORY_MS = 3_600_000;

/** The partition's records from `from`, the archived ones first when they are read from the archive. */
async function* recordsOf(recorder: Recorder, partition: string, from: number, archive: string | undefined) {
  if (from === 0 && archive !== undefined && recorder.readArchived) {
    let last = -1;
    for await (const record of recorder.readArchived(partition, archive)) {
      last = record.seq;
      yield record;
    }
    yield* recorder.read(partition, { fromSeq: last + 1 });
  } else yield* recorder.read(partition, from > 0 ? { fromSeq: from } : undefined);
}

export async function replayPartition(
  recorder: Recorder,
  partition: string,
  operatorId: string,
  options: { onProgress?: (records: number) => void; archive?: string } = {},
): Promise<ReplayReport> {
  const state = emptyState();
  const report: ReplayReport = {
    partition,
    records: 0,
    cycles: 0,
    decisions: 0,
    rederived: 0,
    rules: decisionRulesVersion,
    olderRules: { cycles: 0, differences: 0 },
    interrupted: 0,
    inProgress: null,
    differences: [],
    ok: true,
  };
  const archivedTo = (await recorder.archived?.(partition))?.records ?? 0;
  const readArchive = archivedTo > 0 && options.archive !== undefined && recorder.readArchived !== undefined;
  /** The first seq read: the archive boundary when the archived records are not read. */
  const start = readArchive ? 0 : archivedTo;
  if (archivedTo > 0) report.archived = { records: archivedTo, read: readArchive, skippedCycles: 0 };
  /** Cycles are re-derived only once a configuration record was read (the policy they were decided under). */
  let configured = start === 0;
  /** Before this cycle time, differences may come from the miners' archived past (start > 0). */
  let historyUntilMs: number | undefined;
  // Cycles cut short, judged once the whole ledger is read: a record saying so may come later.
  const cutShort = new Map<number, { tiers: string[]; records: number; differences: ReplayDifference[] }>();
  const interruptions = new Map<number, StoredRecordLike>();
  let lastCycleSeq: number | null = null;
  const decisionsById = new Map<string, { seq: number; action: string; settled: boolean }>();
  let group: CycleGroup | undefined;

  const checkInvariants = (record: StoredRecordLike) => {
    const body = record.body as Record<string, Json>;
    if (record.type === recordTypes.decision) {
      const decision = body as unknown as DecisionBody;
      report.decisions++;
      decisionsById.set(decision.decisionId, {
        seq: record.seq,
        action: decision.action,
        settled: decision.action === "HOLD",
      });
    } else if (
      record.type === recordTypes.receipt ||
      (record.type === recordTypes.negativeProof && body.decisionId !== null && body.stage === "execution")
    ) {
      const decisionId = String(body.decisionId);
      const decision = decisionsById.get(decisionId);
      const cites = Array.isArray(body.cites) ? body.cites : [];
      // Its decision lies in the archive, which this replay did not read.
      if (!decision && cites.some((c) => typeof c === "number" && c < start)) return;
      if (!decision) {
        report.differences.push({
          cycleSeq: null,
          type: record.type,
          key: decisionId,
          kind: "invariant",
          detail: `${record.type} #${record.seq} has no earlier decision ${decisionId}`,
          expected: null,
          actual: record.body,
        });
      } else {
        if (!cites.includes(decision.seq)) {
          report.differences.push({
            cycleSeq: null,
            type: record.type,
            key: decisionId,
            kind: "invariant",
            detail: `${record.type} #${record.seq} does not cite its decision #${decision.seq}`,
            expected: null,
            actual: record.body,
          });
        }
        if (decision.settled && decision.action !== "HOLD") {
          report.differences.push({
            cycleSeq: null,
            type: record.type,
            key: decisionId,
            kind: "invariant",
            detail: `decision ${decisionId} settled twice (#${record.seq})`,
            expected: null,
            actual: record.body,
          });
        }
        decision.settled = true;
      }
    }
  };

  const closeGroup = (current: CycleGroup) => {
    const cycleSeq = current.record.seq;
    const cycleBody = current.record.body as unknown as CycleBody;
    const rules = rulesOf(cycleBody);
    // Newer rules than this release knows: a rollback. Nothing here can judge such a cycle; it is
    // reported like an older one, saying so, rather than as altered evidence.
    const older = rules !== decisionRulesVersion;
    if (older) report.olderRules.cycles++;
    const nowMsOfCycle = Date.parse(cycleBody.now);
    if (start > 0) historyUntilMs ??= nowMsOfCycle + ARCHIVED_HISTORY_MS;
    const early = historyUntilMs !== undefined && nowMsOfCycle < historyUntilMs;
    const differ = (difference: ReplayDifference) => {
      if (early && ["missing", "unexpected", "changed"].includes(difference.kind)) {
        report.differences.push({
          ...difference,
          kind: "archived-history",
          detail: `${difference.detail} (${difference.kind}; within an hour of the archive boundary, the miners' memory lacks records 0..${start - 1}, which lie in the archive: replay with --archive to judge it)`,
        });
        return;
      }
      if (!older || !["missing", "unexpected", "changed"].includes(difference.kind)) {
        report.differences.push(difference);
        return;
      }
      report.olderRules.differences++;
      report.differences.push({
        ...difference,
        kind: "rules-changed",
        detail:
          rules > decisionRulesVersion
            ? `${difference.detail} (${difference.kind}; the cycle was decided under decision rules ${rules}, newer than this release's ${decisionRulesVersion}: replay it with the release that wrote it)`
            : `${difference.detail} (${difference.kind}; the cycle was decided under decision rules ${rules}, replayed under rules ${decisionRulesVersion})`,
      });
    };
    const nowMs = Date.parse(cycleBody.now);
    const telemetry: { seq: number; body: TelemetryBody }[] = [];
    let price: { seq: number; body: PriceBody } | undefined;
    let network: { seq: number; body: NetworkBody } | undefined;
    const seqs = new CycleSeqs();
    const actual = new Map<string, StoredRecordLike>();
    for (const record of current.records) {
      const body = record.body as Record<string, Json>;
      if (record.type === recordTypes.telemetry) {
        telemetry.push({ seq: record.seq, body: record.body as unknown as TelemetryBody });
        seqs.set(record.type, String(body.minerId), record.seq);
      } else if (record.type === recordTypes.price) {
        price = { seq: record.seq, body: record.body as unknown as PriceBody };
        seqs.set(record.type, "price", record.seq);
      } else if (record.type === recordTypes.network) {
        network = { seq: record.seq, body: record.body as unknown as NetworkBody };
        seqs.set(record.type, "network", record.seq);
      } else if (derivedTypes.has(record.type) && typeof body.key === "string") {
        seqs.set(record.type, body.key, record.seq);
        actual.set(refKey(record.type, body.key), record);
      } else if (record.type === recordTypes.decision) {
        seqs.set(record.type, String(body.minerId), record.seq);
        actual.set(refKey(record.type, String(body.minerId)), record);
      }
    }
    report.cycles++;
    if (!price || !network) {
      cutShort.set(cycleSeq, {
        tiers: ["observations", "evidence", "decisions", "suppressions"],
        records: 0,
        differences: [
          {
            cycleSeq,
            type: recordTypes.cycle,
            key: String(cycleSeq),
            kind: "missing",
            detail: `the cycle at ledger record #${cycleSeq} has no price or network record (cut short, and no fleet.cycle-interrupted record says so)`,
            expected: null,
            actual: null,
          },
        ],
      });
    } else {
      let planned: Planned[] = [];
      let cut = new Set<Planned>();
      try {
        const outcome: CycleOutcome = decideCycle(state, { cycleSeq, telemetry, price, network }, nowMs, operatorId);
        planned = [...outcome.evidence, ...outcome.decisions, ...outcome.suppressions];
        const completeness = cycleCompleteness(outcome, (item) => actual.has(refKey(item.type, item.key)));
        // Under older rules what a cycle derives may differ anyway: those go through differ().
        if (!older && completeness.cut.length > 0) {
          cut = new Set(completeness.cut);
          cutShort.set(cycleSeq, { tiers: completeness.cutTiers, records: completeness.cut.length, differences: [] });
        }
      } catch (error) {
        // The core does not throw on bad figures; should it ever, the report says so and goes on.
        differ({
          cycleSeq,
          type: recordTypes.cycle,
          key: String(cycleSeq),
          kind: "unreplayable",
          detail: `the cycle at ledger record #${cycleSeq} could not be re-derived: ${error instanceof Error ? error.message : String(error)}`,
          expected: null,
          actual: null,
        });
      }
      const seen = new Set<string>();
      for (const item of planned) {
        const id = refKey(item.type, item.key);
        seen.add(id);
        report.rederived++;
        let expected: Json;
        try {
          expected = withCites(
            item.body,
            item.cites.map((cite) => resolveRef(cite, seqs)),
          ) as unknown as Json;
        } catch {
          expected = withCites(item.body, []) as unknown as Json;
        }
        const found = actual.get(id);
        if (!found && cut.has(item)) {
          // Judged at the end: interrupted, in progress, or missing after all.
          cutShort.get(cycleSeq)?.differences.push({
            cycleSeq,
            type: item.type,
            key: item.key,
            kind: "missing",
            detail: `re-derived ${item.type} '${item.key}' is not in the ledger (the cycle stops before its ${cutShort.get(cycleSeq)?.tiers.join(", ")}, and no fleet.cycle-interrupted record says why)`,
            expected,
            actual: null,
          });
        } else if (!found) {
          differ({
            cycleSeq,
            type: item.type,
            key: item.key,
            kind: "missing",
            detail: `re-derived ${item.type} '${item.key}' is not in the ledger`,
            expected,
            actual: null,
          });
        } else if (canonical(expected) !== canonical(found.body)) {
          differ({
            cycleSeq,
            type: item.type,
            key: item.key,
            kind: "changed",
            detail: `${item.type} #${found.seq} differs from its re-derivation: ${describeChange(expected, found.body, canonical)}`,
            expected,
            actual: found.body,
          });
        }
      }
      for (const [id, record] of actual) {
        if (!seen.has(id)) {
          const key = String(
            (record.body as Record<string, Json>).key ?? (record.body as Record<string, Json>).minerId,
          );
          differ({
            cycleSeq,
            type: record.type,
            key,
            kind: "unexpected",
            detail: `${record.type} #${record.seq} was not re-derived`,
            expected: null,
            actual: record.body,
          });
        }
      }
    }
    for (const record of current.records) foldRecord(state, record);
  };

  const belongs = (current: CycleGroup, record: StoredRecordLike): boolean => {
    const body = record.body as Record<string, Json>;
    if (body.cycle === current.record.seq) return true;
    if (record.type === recordTypes.receipt) {
      return String((body as unknown as ReceiptBody).decisionId).startsWith(`${operatorId}:${current.record.seq}:`);
    }
    return false;
  };

  for await (const record of recordsOf(recorder, partition, start, readArchive ? options.archive : undefined)) {
    report.records++;
    // A store that reads synchronously (SQLite) never lets the event loop turn inside a for-await:
    // give it a turn every few hundred records, so the API answers while a long replay runs.
    if (report.records % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
    if (report.records % 10_000 === 0) options.onProgress?.(report.records);
    if (record.type === recordTypes.cycle) lastCycleSeq = record.seq;
    if (record.type === recordTypes.cycleInterrupted) {
      interruptions.set(Number((record.body as unknown as CycleInterruptedBody).cycle), record);
    }
    if (group && !belongs(group, record)) {
      closeGroup(group);
      group = undefined;
    }
    checkInvariants(record);
    if (group) {
      group.records.push(record);
      continue;
    }
    foldRecord(state, record);
    if (record.type === recordTypes.config) configured = true;
    if (record.type === recordTypes.cycle) {
      if (configured) group = { record, records: [] };
      else if (report.archived) report.archived.skippedCycles++;
    }
  }
  if (group) closeGroup(group);

  for (const [cycleSeq, cut] of cutShort) {
    if (interruptions.has(cycleSeq)) continue;
    if (cycleSeq === lastCycleSeq) {
      report.inProgress = cycleSeq;
      report.differences.push({
        cycleSeq,
        type: recordTypes.cycle,
        key: String(cycleSeq),
        kind: "in-progress",
        detail: `the last cycle (#${cycleSeq}) has not written its ${cut.tiers.join(", ")} yet: it is running, or its controller stopped during it and has not been restarted (a restart records it as fleet.cycle-interrupted)`,
        expected: null,
        actual: null,
      });
    } else report.differences.push(...cut.differences);
  }
  for (const [cycleSeq, record] of interruptions) {
    const body = record.body as unknown as CycleInterruptedBody;
    const cut = cutShort.get(cycleSeq);
    report.interrupted++;
    report.differences.push({
      cycleSeq,
      type: recordTypes.cycleInterrupted,
      key: String(cycleSeq),
      kind: "interrupted",
      detail: `cycle #${cycleSeq} was interrupted (${body.reason}, record #${record.seq}): its ${(cut?.tiers ?? body.unwritten ?? []).join(", ")} were never written${cut && cut.records > 0 ? ` (${cut.records} re-derived records not counted)` : ""}; ${body.detail}`,
      expected: null,
      actual: record.body,
    });
  }

  for (const [decisionId, decision] of decisionsById) {
    if (!decision.settled) {
      report.differences.push({
        cycleSeq: null,
        type: recordTypes.decision,
        key: decisionId,
        kind: "invariant",
        detail: `decision #${decision.seq} (${decision.action}) has neither a receipt nor a negative proof`,
        expected: null,
        actual: null,
      });
    }
  }
  const notCounted = new Set<ReplayDifference["kind"]>([
    "rules-changed",
    "interrupted",
    "in-progress",
    "archived-history",
  ]);
  report.ok = report.differences.every((difference) => notCounted.has(difference.kind));
  options.onProgress?.(report.records);
  return report;
}
