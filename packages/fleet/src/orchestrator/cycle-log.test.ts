import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cycleReport } from "../../test/builders.ts";
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
  return cycleReport({ cycleSeq, timingsMs: zero, cpuMs: zero });
}

/** A cycle of `miners` miners whose polls all answered, with what else the test says went on. */
function fleetReport(cycleSeq: number, overrides: Partial<CycleReport> = {}, miners = 1000): CycleReport {
  return {
    ...report(cycleSeq),
    miners,
    polled: { ok: miners, failed: 0 },
    market: { price: { source: "coingecko", error: null }, network: { source: "mempool", error: null } },
    ...overrides,
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

const ids = (n: number) => Array.from({ length: n }, (_, i) => `sim-${String(i).padStart(4, "0")}`);

const gated = (code: string, detail: string, miners: string[]) =>
  miners.map((minerId) => ({ minerId, stage: "gate", suppressed: "decision", reason: code, detail }));

/** Runs `cycles` cycles 30 s apart and returns the lines other than "cycle done". */
function run(log: CycleLog, clock: ManualClock, lines: Line[], reports: CycleReport[]): Line[] {
  for (const cycle of reports) {
    log.done(cycle);
    clock.advance(30_000);
  }
  return lines.filter((line) => line.message !== "cycle done");
}

describe("the log says what goes wrong across the fleet", () => {
  it("warns once when every poll fails (the simulator was killed), sums it up while it lasts, and says when it clears", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const down = { polled: { ok: 0, failed: 1000 }, pollFailures: { unreachable: 1000 } };
    const said = run(cycles, clock, lines, [
      fleetReport(1),
      ...Array.from({ length: 30 }, (_, i) => fleetReport(2 + i, down)), // 15 minutes
      fleetReport(40),
    ]);
    expect(said.map((line) => [line.level, line.message])).toEqual([
      ["warn", "1000 of 1000 miners: polls failed: failed polls by why: unreachable 1000"],
      [
        "warn",
        "still 1000 of 1000 miners: polls failed, 21 cycles since 2026-09-01T00:00:30.000Z: failed polls by why: unreachable 1000",
      ],
      ["info", "cleared: polls failed, after 30 cycles since 2026-09-01T00:00:30.000Z"],
    ]);
    expect(said[0]?.fields).toMatchObject({ operator: "op-1", condition: "polls-failed", count: 1000 });
  });

  it("warns at once when 10 % of the miners go offline together, not for one flaky miner", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const said = run(cycles, clock, lines, [
      fleetReport(1, { polled: { ok: 999, failed: 1 }, pollFailures: { timeout: 1 } }),
      fleetReport(2, { polled: { ok: 900, failed: 100 }, pollFailures: { unreachable: 100 } }),
    ]);
    expect(said.map((line) => line.message)).toEqual([
      "100 of 1000 miners: polls failed: failed polls by why: unreachable 100",
    ]);
  });

  it("says the price source has been failing, and that every miner is gated by STALE_PRICE because of it, once each", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const failing = {
      price: { source: "coingecko", error: "HTTP 503 Service Unavailable" },
      network: { source: "mempool", error: null },
    };
    const stale = {
      market: failing,
      negativeProofs: gated("STALE_PRICE", "BTC price is 630 s old (limit 600 s)", ids(1000)),
    };
    const said = run(cycles, clock, lines, [
      ...Array.from({ length: 20 }, (_, i) => fleetReport(1 + i, { market: failing })), // fresh from the cache
      ...Array.from({ length: 4 }, (_, i) => fleetReport(30 + i, stale)),
      fleetReport(40),
    ]);
    expect(said.map((line) => [line.level, line.message])).toEqual([
      ["warn", "the price source is failing: coingecko: HTTP 503 Service Unavailable"],
      [
        "warn",
        "still the price source is failing, 21 cycles since 2026-09-01T00:00:00.000Z: coingecko: HTTP 503 Service Unavailable",
      ],
      [
        "warn",
        "1000 of 1000 miners: gated by STALE_PRICE: BTC price is 630 s old (limit 600 s); the source's last fetch failed: HTTP 503 Service Unavailable",
      ],
      ["info", "cleared: the price source is failing, after 24 cycles since 2026-09-01T00:00:00.000Z"],
      ["info", "cleared: gated by STALE_PRICE, after 4 cycles since 2026-09-01T00:10:00.000Z"],
    ]);
    expect(said[2]?.fields).toMatchObject({ condition: "gate:STALE_PRICE", count: 1000, examples: ids(5) });
  });

  it("warns when an implausible price gates every miner", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const detail = "BTC price $0.50 from coingecko is outside $1,000…$10,000,000";
    const said = run(cycles, clock, lines, [
      fleetReport(1, { negativeProofs: gated("IMPLAUSIBLE_PRICE", detail, ids(3)) }, 3),
      fleetReport(2, { negativeProofs: gated("IMPLAUSIBLE_PRICE", detail, ids(3)) }, 3),
    ]);
    expect(said.map((line) => line.message)).toEqual([`3 of 3 miners: gated by IMPLAUSIBLE_PRICE: ${detail}`]);
  });

  it("warns once of an over-temperature STOP the firmware cannot carry out, not every cycle", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const hot = {
      decisions: [
        {
          minerId: "sim-0007",
          decisionId: "op-1:1:sim-0007",
          action: "STOP" as const,
          reason: "OVER_TEMPERATURE",
          detail: "chip 97 °C ≥ 95 °C: stopping regardless of profit and cooldown",
        },
      ],
      negativeProofs: [
        {
          minerId: "sim-0007",
          stage: "execution",
          suppressed: "STOP",
          reason: "UNSUPPORTED_BY_FIRMWARE",
          detail: "bmminer has no STOP over the API",
        },
      ],
    };
    const said = run(
      cycles,
      clock,
      lines,
      Array.from({ length: 10 }, (_, i) => fleetReport(1 + i, hot)),
    );
    expect(said.map((line) => line.message)).toEqual([
      "1 of 1000 miners: STOP (OVER_TEMPERATURE) not carried out (UNSUPPORTED_BY_FIRMWARE): bmminer has no STOP over the API",
    ]);
    expect(said[0]?.fields).toMatchObject({ examples: ["sim-0007"] });
  });

  it("says nothing of what a person chose: MANUAL mode and dry-run suppressions", () => {
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    const { lines, log } = capture();
    const cycles = new CycleLog({ operatorId: "op-1", clock, log });
    const manual = {
      negativeProofs: [
        { minerId: "sim-0001", stage: "execution", suppressed: "STOP", reason: "MANUAL_MODE", detail: "MANUAL" },
      ],
    };
    expect(run(cycles, clock, lines, [fleetReport(1, manual), fleetReport(2, manual)])).toEqual([]);
  });
});
