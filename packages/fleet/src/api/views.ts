// What the API shows of a miner and of the fleet: the latest telemetry, the latest decision and
// the controller's memory, flattened for the dashboard.

import type { OperatorController } from "../orchestrator/operator-controller.ts";

export function minerSummary(controller: OperatorController, minerId: string) {
  const endpoint = controller.miners().find((miner) => miner.id === minerId);
  const { latest, decision, memory } = controller.minerView(minerId);
  const outcome = latest?.outcome;
  const t = outcome?.ok ? outcome.telemetry : undefined;
  return {
    id: minerId,
    host: endpoint?.host ?? null,
    port: endpoint?.port ?? null,
    model: t?.model ?? endpoint?.model ?? null,
    firmware:
      t?.firmware ?? (memory.family === "unknown" ? null : { family: memory.family, name: null, version: null }),
    status: outcome === undefined ? "unknown" : outcome.ok ? "ok" : "failed",
    error: outcome && !outcome.ok ? outcome.reason : null,
    hashrateThs: t?.hashrateThs ?? null,
    expectedThs: t?.expectedThs ?? null,
    maxChipTempC: t?.maxChipTempC ?? null,
    maxBoardTempC: t?.maxBoardTempC ?? null,
    powerW: t?.powerW ?? null,
    powerSource: t?.powerSource ?? null,
    fansRpm: t?.fansRpm ?? [],
    uptimeS: t?.uptimeS ?? null,
    problems: t?.errors ?? [],
    telemetrySeq: latest?.seq ?? null,
    lastDecision: decision ?? null,
    failedPolls: memory.failedPolls,
    stoppedByController: memory.stoppedByController,
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
