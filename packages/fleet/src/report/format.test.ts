import { describe, expect, it } from "vitest";
import type { ReplayReport } from "../orchestrator/replay.ts";
import { formatReplay } from "./format.ts";

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
