// What an operator's periodic loop logs about its cycles. A condition that fails one cycle (a full
// disk) fails every one after it, each poll interval, until someone acts: the first failure is
// logged with its reason, the repeats are summed up at most once a minute ("still failing: N
// cycles since …"), and the first cycle that succeeds again says so. A different reason is news
// and is logged at once. Cycles longer than the poll interval are warned of the same way
// (cycle-overrun.ts), and what completed cycles show going wrong across the fleet (a dead
// simulator, a failing price source, every miner gated) the same way (fleet-conditions.ts).

import type { Clock } from "../clock.ts";
import { type CycleFailure, cycleFailure } from "./cycle-failure.ts";
import { OverrunWatch } from "./cycle-overrun.ts";
import { FleetConditions } from "./fleet-conditions.ts";
import type { CycleReport } from "./operator-controller.ts";

/** The part of a pino logger this uses. */
export interface CycleLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface CycleLogOptions {
  operatorId: string;
  clock: Clock;
  log: CycleLogger;
  /** The loop's POLL_INTERVAL_MS: cycles longer than it are warned of (cycle-overrun.ts). */
  intervalMs?: number;
}

/** At most one "still failing" line per minute. */
const SUMMARY_EVERY_MS = 60_000;

interface Failing {
  sinceMs: number;
  cycles: number;
  failure: CycleFailure;
  loggedAtMs: number;
}

export class CycleLog {
  private readonly options: CycleLogOptions;
  private failing: Failing | undefined;
  private readonly overruns: OverrunWatch | undefined;
  /** What the completed cycles show going wrong fleet-wide (fleet-conditions.ts). */
  private readonly conditions = new FleetConditions();

  constructor(options: CycleLogOptions) {
    this.options = options;
    this.overruns = options.intervalMs === undefined ? undefined : new OverrunWatch(options.intervalMs);
  }

  done(report: CycleReport): void {
    const { log, operatorId } = this.options;
    const failing = this.failing;
    if (failing) {
      this.failing = undefined;
      log.info(
        { operator: operatorId, failedCycles: failing.cycles, since: iso(failing.sinceMs), code: failing.failure.code },
        `cycles recovered after ${failing.cycles} failed ${failing.cycles === 1 ? "cycle" : "cycles"} since ${iso(failing.sinceMs)} (${failing.failure.code})`,
      );
    }
    log.info(
      {
        operator: operatorId,
        // The ledger seq of the cycle's fleet.cycle record, not a count of cycles.
        cycleSeq: report.cycleSeq,
        polled: report.polled,
        actions: report.receipts.length,
        ms: Math.round(report.timingsMs.total),
      },
      "cycle done",
    );
    for (const change of report.modelChanges)
      log.warn(
        { operator: operatorId, miner: change.minerId, from: change.from, to: change.to },
        `miner ${change.minerId} reports model ${change.to} where it reported ${change.from}: another machine at this address`,
      );
    for (const line of this.conditions.observe(report, this.options.clock.now()))
      log[line.level]({ operator: operatorId, ...line.fields }, line.message);
    const overrun = this.overruns?.observe(report.timingsMs.total, this.options.clock.now());
    if (overrun) log.warn({ operator: operatorId, ...overrun.fields }, overrun.message);
  }

  failed(error: unknown): void {
    const now = this.options.clock.now();
    const failure = cycleFailure(error);
    const failing = this.failing;
    if (failing && sameFailure(failing.failure, failure)) {
      failing.cycles += 1;
      if (now - failing.loggedAtMs < SUMMARY_EVERY_MS) return;
      failing.loggedAtMs = now;
      this.options.log.warn(
        {
          operator: this.options.operatorId,
          code: failure.code,
          failedCycles: failing.cycles,
          since: iso(failing.sinceMs),
        },
        `still failing: ${count(failing.cycles)} since ${iso(failing.sinceMs)} (${failure.code}: ${failure.reason})`,
      );
      return;
    }
    this.failing = {
      sinceMs: failing?.sinceMs ?? now,
      cycles: (failing?.cycles ?? 0) + 1,
      failure,
      loggedAtMs: now,
    };
    const fields = { operator: this.options.operatorId, code: failure.code };
    if (failure.known) this.options.log.error(fields, `cycle failed: ${failure.reason}`);
    else this.options.log.error({ ...fields, err: error }, "cycle failed");
  }
}

function sameFailure(a: CycleFailure, b: CycleFailure): boolean {
  return a.code === b.code && (a.known || a.reason === b.reason);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function count(cycles: number): string {
  return cycles === 1 ? "1 cycle" : `${cycles} cycles`;
}
