import { describe, expect, it } from "vitest";
import { cycleReport } from "../../test/builders.ts";
import type { CycleReport } from "../orchestrator/cycle-report.ts";
import type { ReplayReport } from "../orchestrator/replay.ts";
import { formatCycle, formatReplay } from "./format.ts";

const report = (overrides: Partial<ReplayReport>): ReplayReport => ({
  partition: "fleet/default",
  records: 83,
  cycles: 1,
  decisions: 24,
  rederived: 52,
  rules: 2,
  olderRules: { cycles: 0, differences: 0 },
  interrupted: 0,
  inProgress: null,
  differences: [],
  ok: true,
  ...overrides,
});

describe("the replay summary", () => {
  it("counts in words a reader expects: one cycle, not '1 cycles'", () => {
    expect(formatReplay(report({}))).toBe(
      "fleet/default: 83 records, 1 cycle, 24 decisions; 52 records re-derived — every one matches",
    );
  });

  it("does not call a replay that re-derived nothing a match: nothing was checked", () => {
    const text = formatReplay(
      report({
        records: 7138,
        cycles: 0,
        decisions: 2196,
        rederived: 0,
        archived: { records: 3000, read: false, skippedCycles: 61 },
      }),
    );
    expect(text.split("\n")).toEqual([
      "fleet/default: 7138 records, 0 cycles, 2196 decisions; 0 records re-derived — nothing was checked",
      "  records 0..2999 lie in the archive and were not replayed (give --archive DIR to read them); 61 cycles after them could not be re-derived (their configuration record is in the archive)",
    ]);
  });

  it("lists each difference under the count", () => {
    const text = formatReplay(
      report({
        cycles: 2,
        decisions: 1,
        ok: false,
        differences: [
          {
            cycleSeq: 7,
            type: "fleet.decision",
            key: "sim-001",
            kind: "changed",
            detail: "fleet.decision #12 differs from its re-derivation",
            expected: null,
            actual: null,
          },
        ],
      }),
    );
    expect(text.split("\n")).toEqual([
      "fleet/default: 83 records, 2 cycles, 1 decision; 52 records re-derived — 1 difference",
      "  changed fleet.decision 'sim-001' (the cycle at ledger record #7): fleet.decision #12 differs from its re-derivation",
    ]);
  });
});

describe("the replay summary of a cycle cut short", () => {
  it("says which cycle was interrupted and why, in words, not as a record type and key", () => {
    const text = formatReplay(
      report({
        interrupted: 1,
        differences: [
          {
            cycleSeq: 98641,
            type: "fleet.cycle-interrupted",
            key: "98641",
            kind: "interrupted",
            detail:
              "cycle #98641 was interrupted (PROCESS_STOPPED, record #98702): its decisions were never written; the controller stopped during the cycle",
            expected: null,
            actual: null,
          },
        ],
      }),
    );
    expect(text.split("\n").slice(1)).toEqual([
      "  and 1 cycle cut short or still running (evidence, not counted):",
      "  cycle #98641 was interrupted (PROCESS_STOPPED, record #98702): its decisions were never written; the controller stopped during the cycle",
    ]);
    expect(text).not.toContain("fleet.cycle-interrupted '98641'");
  });
});

describe("the cycle summary", () => {
  const cycle = (overrides: Partial<CycleReport>): CycleReport =>
    cycleReport({
      operatorId: "default",
      cycleSeq: 33,
      now: "2026-11-23T11:33:37.859Z",
      polled: { ok: 0, failed: 3 },
      records: 12,
      timingsMs: { poll: 0, decide: 0, record: 0, execute: 0, total: 5010 },
      cpuMs: { poll: 0, decide: 0, record: 0, execute: 0, total: 0 },
      ...overrides,
    });

  it("says why polls failed and why each miner was held back, not only the gate's code", () => {
    const text = formatCycle(
      cycle({
        pollFailures: { unreachable: 1, timeout: 2 },
        negativeProofs: [
          {
            minerId: "closed",
            stage: "gate",
            suppressed: "decision",
            reason: "LOST_COMMS",
            detail: "3 failed polls in a row (last: 127.0.0.1:18084 refused the connection (API not listening))",
          },
        ],
      }),
    );
    expect(text.split("\n")).toEqual([
      "operator default: cycle at 2026-11-23T11:33:37.859Z (ledger record #33), AUTO — 3 miners, 0 answered, 3 failed (timeout 2, unreachable 1), 12 records in 5.01 s",
      "",
      "suppressed (negative proofs):",
      "MINER   STAGE  SUPPRESSED  REASON      DETAIL",
      "closed  gate   decision    LOST_COMMS  3 failed polls in a row (last: 127.0.0.1:18084 refused the connection (API not listening))",
    ]);
  });

  it("says a fleet of one as '1 miner', not '1 miners'", () => {
    const text = formatCycle(cycle({ miners: 1, polled: { ok: 0, failed: 1 }, pollFailures: { unreachable: 1 } }));
    expect(text.split("\n")[0]).toBe(
      "operator default: cycle at 2026-11-23T11:33:37.859Z (ledger record #33), AUTO — 1 miner, 0 answered, 1 failed (unreachable 1), 12 records in 5.01 s",
    );
  });
});
