// What the API shows of a miner and of the fleet: the latest telemetry, the latest decision and
// the controller's memory, flattened for the dashboard.

import type { OperatorController } from "../orchestrator/operator-controller.ts";

export function minerSummary(controller: OperatorController, minerId: string) {
  const endpoint = controller.miners().find((miner) => miner.id === minerId);
  const { latest, identity, margin, decision, memory } = controller.minerView(minerId);
  const t = latest?.ok ? latest.telemetry : undefined;
  const chipC = t ? (t.maxChipTempC ?? t.maxBoardTempC) : null;
  const { tempWarnC, tempStopC } = controller.operator.policy;
  return {
    id: minerId,
    host: endpoint?.host ?? null,
    port: endpoint?.port ?? null,
    // A miner whose latest poll failed is still the model it last reported.
    model: identity?.model ?? endpoint?.model ?? null,
    firmware:
      identity?.firmware ?? (memory.family === "unknown" ? null : { family: memory.family, name: null, version: null }),
    status: latest === undefined ? "unknown" : latest.ok ? "ok" : "failed",
    error: latest && !latest.ok ? latest.reason : null,
    /** The cycle the telemetry is from (the latest poll may predate a restart of the controller). */
    cycle: latest?.cycle ?? null,
    hashrateThs: t?.hashrateThs ?? null,
    expectedThs: t?.expectedThs ?? null,
    maxChipTempC: t?.maxChipTempC ?? null,
    maxBoardTempC: t?.maxBoardTempC ?? null,
    /** Against the operator's thresholds (the chip's, else the board's): "stop" is over tempStopC. */
    temperature:
      chipC === null || chipC === undefined ? null : chipC >= tempStopC ? "stop" : chipC >= tempWarnC ? "warn" : "ok",
    powerW: t?.powerW ?? null,
    powerSource: t?.powerSource ?? null,
    fansRpm: t?.fansRpm ?? [],
    uptimeS: t?.uptimeS ?? null,
    problems: t?.errors ?? [],
    telemetrySeq: latest?.seq ?? null,
    /**
     * The latest cycle's economics as it ran ($0 for a miner not hashing, so the miners add up to
     * the totals) and, apart, what it would earn if running; null when it did not answer in it.
     */
    margin,
    lastDecision: decision ?? null,
    failedPolls: memory.failedPolls,
    stoppedByController: memory.stoppedByController,
    /** Why it was stopped (the STOP's reason and decision id); null when not stopped or archived unsaid. */
    stoppedFor: memory.stoppedFor,
    /** THERMAL_LATCH or STOPPED_BY_OPERATOR: only an operator's start (or restart) clears it. */
    latch: memory.latch,
  };
}

/**
 * The latest cycle: this process's report of it, or, when it ran before the controller started,
 * what its records say (no timings then: `fromLedger` says so).
 */
export function lastCycleView(controller: OperatorController) {
  const seen = controller.lastCycleSeen;
  const report = controller.lastCycle;
  if (report && report.cycleSeq === seen?.cycleSeq)
    return {
      cycleSeq: report.cycleSeq,
      now: report.now,
      polled: report.polled,
      records: report.records as number | null,
      timingsMs: report.timingsMs as typeof report.timingsMs | null,
      fromLedger: false,
    };
  if (!seen) return null;
  return {
    cycleSeq: seen.cycleSeq,
    now: seen.now,
    polled: seen.polled,
    records: null,
    timingsMs: null,
    fromLedger: true,
  };
}

export function fleetTotals(controller: OperatorController) {
  const totals = controller.fleetTotals;
  if (!totals) return null;
  const body = totals.body as Record<string, unknown>;
  return {
    cycle: totals.cycle,
    hashrateThs: body.hashrateThs,
    powerW: body.powerW,
    revenueBtcPerDay: body.revenueBtcPerDay,
    revenueUsdPerDay: Number(body.revenueMicroUsdPerDay) / 1e6,
    costUsdPerDay: Number(body.costMicroUsdPerDay) / 1e6,
    marginUsdPerDay: Number(body.marginMicroUsdPerDay) / 1e6,
    hashpriceUsdPerThDay: Number(body.hashpriceMicroUsdPerThDay) / 1e6,
    /** Hashing miners the totals leave out, and why (an unknown margin is not a $0 cost). */
    excludedMiners: (body.excludedMiners as { minerId: string; reason: string }[] | undefined) ?? [],
  };
}
