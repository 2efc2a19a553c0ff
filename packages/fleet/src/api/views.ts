// What the API shows of a miner and of the fleet: the latest telemetry, the latest decision and
// the controller's memory, flattened for the dashboard.

import { floorDiv, formatScaled, parseDecimal } from "../decimal.ts";
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
    /**
     * The evidence gate blocked the miner in its latest cycle (lost comms, stale telemetry, an
     * impossible reading, unusable market data): no decision was made, so `lastDecision` is an
     * older cycle's. `reason` lists the blocking codes, `detail` says each.
     */
    gate: latest?.gate ? { cycle: latest.cycle, ...latest.gate } : null,
    lastDecision: decision ?? null,
    /**
     * The latest time this id reported another model than before (the machine was swapped): the
     * old one's counters and streaks were dropped then. A warning for whoever looks, not an error.
     */
    modelChange: memory.modelChange
      ? {
          from: memory.modelChange.from,
          to: memory.modelChange.to,
          at: new Date(memory.modelChange.atMs).toISOString(),
          telemetrySeq: memory.modelChange.seq,
        }
      : null,
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
      ...gateCounts(seen),
    };
  if (!seen) return null;
  return {
    cycleSeq: seen.cycleSeq,
    now: seen.now,
    polled: seen.polled,
    records: null,
    timingsMs: null,
    fromLedger: true,
    ...gateCounts(seen),
  };
}

/** What blocked decisions in the cycle: miners per gate code, and whether its market data was usable. */
function gateCounts(seen: NonNullable<OperatorController["lastCycleSeen"]>) {
  return {
    gated: seen.gated,
    marketUsable: seen.marketProblems.length === 0,
    marketProblems: seen.marketProblems,
  };
}

/**
 * The fleet totals: of the latest cycle with a fleet profit record, which is an older one when the
 * latest cycle's market data was unusable (`current: false`, `cycle` and `at` say which: shown as
 * is, they would read as today's money). In a current cycle the totals are the rows': hashrate and
 * power add up every miner that reported them (an unknown margin still hashes), money adds up the
 * miners whose margin is known ($0 for one not hashing), and every miner left out of either is in
 * `excludedMiners` with why (`inHashrate` / `inPower` say what it still counts in).
 */
export function fleetTotals(controller: OperatorController) {
  const totals = controller.fleetTotals;
  if (!totals) return null;
  const seen = controller.lastCycleSeen;
  const body = totals.body as Record<string, unknown>;
  const current = seen !== null && totals.cycle === seen.cycleSeq;
  const recorded = (body.excludedMiners as { minerId: string; reason: string }[] | undefined) ?? [];
  const rows = current ? rowTotals(controller, totals.cycle, recorded) : undefined;
  return {
    cycle: totals.cycle,
    /** The clock of the cycle they are from. */
    at: seen?.totalsFrom?.cycleSeq === totals.cycle ? seen.totalsFrom.now : null,
    /** False: the latest cycle has no totals (its market data was unusable); these are `cycle`'s. */
    current,
    /** Whether the latest cycle's market data was usable (see lastCycle.marketProblems). */
    marketUsable: seen === null || seen.marketProblems.length === 0,
    hashrateThs: rows?.hashrateThs ?? body.hashrateThs,
    powerW: rows?.powerW ?? body.powerW,
    revenueBtcPerDay: body.revenueBtcPerDay,
    revenueUsdPerDay: Number(body.revenueMicroUsdPerDay) / 1e6,
    costUsdPerDay: Number(body.costMicroUsdPerDay) / 1e6,
    marginUsdPerDay: Number(body.marginMicroUsdPerDay) / 1e6,
    hashpriceUsdPerThDay: Number(body.hashpriceMicroUsdPerThDay) / 1e6,
    /** Miners the money totals leave out, and why (an unknown margin is not a $0 cost). */
    excludedMiners: rows?.excluded ?? recorded.map((miner) => ({ ...miner, inHashrate: false, inPower: false })),
  };
}

/** The totals of a cycle's rows: see fleetTotals. */
function rowTotals(
  controller: OperatorController,
  cycle: number,
  recorded: readonly { minerId: string; reason: string }[],
) {
  const why = new Map(recorded.map((miner) => [miner.minerId, miner.reason]));
  let mhs = 0n;
  let powerW = 0;
  const excluded: { minerId: string; reason: string; inHashrate: boolean; inPower: boolean }[] = [];
  for (const { id } of controller.miners()) {
    const { latest, margin } = controller.minerView(id);
    const polled = latest !== undefined && latest.cycle === cycle;
    // A figure the gate found impossible (a 560 TH/s spike) is no figure to add up.
    const believable = polled && latest.ok && !latest.gate?.reason.includes("IMPOSSIBLE");
    const t = believable && latest.ok ? latest.telemetry : undefined;
    const hashrate = t ? parseDecimal(t.hashrateThs) : undefined;
    if (hashrate) mhs += floorDiv(hashrate.num * 1_000_000n, hashrate.den);
    if (t?.powerW !== null && t?.powerW !== undefined) powerW += t.powerW;
    if (margin !== null) continue;
    const reason =
      why.get(id) ??
      (!polled
        ? "NOT_POLLED"
        : latest.gate
          ? latest.gate.reason
          : !latest.ok
            ? "POLL_FAILED"
            : latest.telemetry.powerW === null
              ? "MARGIN_UNKNOWN"
              : "NO_PROFIT_FIGURES");
    excluded.push({ minerId: id, reason, inHashrate: hashrate !== undefined, inPower: typeof t?.powerW === "number" });
  }
  return { hashrateThs: formatScaled(mhs, 6), powerW, excluded };
}
