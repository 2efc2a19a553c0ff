import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { CycleLog } from "./cycle-log.ts";
import type { CycleReport } from "./operator-controller.ts";

interface Line {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

function capture() {
  const lines: Line[] = [];
  const at = (level: Line["level"]) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  return { lines, log: { info: at("info"), warn: at("warn"), error: at("error") } };
}

/** What the file system says when the disk is full: a real ENOSPC where the platform has /dev/full. */
function diskFull(): Error {
  try {
    writeFileSync("/dev/full", "x");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOSPC") return error as Error;
  }
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
}

function report(cycleSeq: number, totalMs = 12): CycleReport {
  const zero = { poll: 0, decide: 0, record: 0, execute: 0, total: totalMs };
  return {
    operatorId: "op-1",
    cycleSeq,
    now: "2026-09-01T00:00:00.000Z",
    mode: "AUTO",
    dryRun: false,
    miners: 3,
    polled: { ok: 3, failed: 0 },
    decisions: [],
    negativeProofs: [],
    receipts: [],
    divergences: 0,
    records: 10,
    checkpoint: null,
    timingsMs: zero,
    cpuMs: zero,
  };
}

describe("the loop's cycle log", () => {
  it("logs a full disk once with its reason and no stack, sums up the repeats, and says when it recovers", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const full = diskFull();
    for (let i = 0; i < 250; i++) {
      cycles.failed(full); // every 300 ms for 75 s, as a loop with POLL_INTERVAL_MS=300 does
      clock.advance(300);
    }
    cycles.done(report(162));

    expect(lines.map((line) => [line.level, line.message.split(":")[0]])).toEqual([
      ["error", "cycle failed"],
      ["warn", "still failing"],
      ["info", "cycles recovered after 250 failed cycles since 2026-09-01T00"],
      ["info", "cycle done"],
    ]);
    const [first, summary, recovered] = lines as [Line, Line, Line];
    expect(first.fields).toEqual({ operator: "op-1", code: "STORAGE_FULL" }); // no err: no stack trace
    expect(first.message).toMatch(
      /^cycle failed: the disk holding the ledger is full \(ENOSPC: no space left on device, write\): no cycle can be recorded until space is freed$/,
    );
    expect(summary.message).toMatch(/^still failing: 201 cycles since 2026-09-01T00:00:00\.000Z \(STORAGE_FULL: /);
    expect(summary.fields).toMatchObject({ failedCycles: 201, since: "2026-09-01T00:00:00.000Z" });
    expect(recovered.fields).toMatchObject({ failedCycles: 250, code: "STORAGE_FULL" });
  });

  it("logs an unexpected failure with its stack once, and another reason at once", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    for (let i = 0; i < 10; i++) {
      cycles.failed(bug);
      clock.advance(300);
    }
    cycles.failed(diskFull());
    expect(lines).toEqual([
      { level: "error", fields: { operator: "op-1", code: "UNEXPECTED", err: bug }, message: "cycle failed" },
      {
        level: "error",
        fields: { operator: "op-1", code: "STORAGE_FULL" },
        message: expect.stringMatching(/^cycle failed: the disk holding the ledger is full/),
      },
    ]);
  });

  it("warns once when cycles take longer than POLL_INTERVAL_MS, then sums the overruns up at most every ten minutes", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log, intervalMs: 1_000 });
    cycles.done(report(1, 400)); // fits: nothing to say
    // 20 minutes of cycles of 1.5 s back to back, one of 2.4 s among them.
    for (let i = 0; i < 800; i++) {
      cycles.done(report(2 + i, i === 100 ? 2_400 : 1_500));
      clock.advance(1_500);
    }
    const warnings = lines.filter((line) => line.level === "warn");
    expect(warnings.map((line) => line.message)).toEqual([
      "a cycle took 1500 ms, longer than POLL_INTERVAL_MS (1000 ms): the next one starts as soon as it ends, so the miners are polled back to back; raise POLL_INTERVAL_MS (or lower CGMINER_TIMEOUT_MS if slow miners hold the poll)",
      "cycles still take longer than POLL_INTERVAL_MS (1000 ms): 400 of the last 400 cycles, the longest 2400 ms",
    ]);
    expect(warnings[1]?.fields).toEqual({
      operator: "op-1",
      intervalMs: 1_000,
      overruns: 400,
      cycles: 400,
      longestMs: 2_400,
    });
  });

  it("names the cycle's ledger seq for what it is (cycleSeq), not a cycle count", () => {
    const { lines, log } = capture();
    new CycleLog({ operatorId: "op-1", clock: new ManualClock(), log }).done(report(162));
    expect(lines).toEqual([
      {
        level: "info",
        fields: { operator: "op-1", cycleSeq: 162, polled: { ok: 3, failed: 0 }, actions: 0, ms: 12 },
        message: "cycle done",
      },
    ]);
  });
});
