// Fleet gauges on the server's Prometheus registry, read from the controllers at scrape time:
// miners answering and failing, hashrate, power, margin, cycle duration and the last cycle's
// decisions and negative proofs, per operator. An operator's signed scrape gets its own series
// only (docs/auth.md: credentials reach only their own operator); the site's Prometheus, with
// METRICS_TOKEN, gets every operator's.

import type { FastifyInstance } from "fastify";
import { Gauge, type Registry } from "prom-client";
import type { Controllers } from "./operator-scope.ts";

export function installFleetMetrics(registry: Registry, controllers: Controllers): void {
  // prom-client calls each gauge's collect before serialising; one refresh serves them all.
  let refreshedAt = Number.NEGATIVE_INFINITY;
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect: refresh });
  const miners = gauge("pithead_fleet_miners", "Miners by the state of their last poll", ["operator", "state"]);
  const hashrate = gauge("pithead_fleet_hashrate_ths", "Fleet hashrate in the last cycle, TH/s", ["operator"]);
  const power = gauge("pithead_fleet_power_watts", "Fleet power in the last cycle, W", ["operator"]);
  const margin = gauge("pithead_fleet_margin_usd_per_day", "Fleet margin in the last cycle, USD per day", ["operator"]);
  const cycle = gauge("pithead_fleet_cycle_seconds", "Duration of the last cycle", ["operator"]);
  const decisions = gauge("pithead_fleet_decisions", "Decisions of the last cycle by action", ["operator", "action"]);
  const suppressed = gauge("pithead_fleet_negative_proofs", "Negative proofs of the last cycle by stage", [
    "operator",
    "stage",
  ]);
  const manual = gauge("pithead_fleet_manual_mode", "1 when the operator is in MANUAL mode", ["operator"]);

  function refresh(): void {
    const now = performance.now();
    if (now - refreshedAt < 100) return;
    refreshedAt = now;
    for (const each of [miners, hashrate, power, margin, cycle, decisions, suppressed, manual]) each.reset();
    for (const controller of controllers.values()) {
      const operator = controller.operator.id;
      manual.set({ operator }, controller.mode === "MANUAL" ? 1 : 0);
      const report = controller.lastCycle;
      if (!report) continue;
      miners.set({ operator, state: "ok" }, report.polled.ok);
      miners.set({ operator, state: "failed" }, report.polled.failed);
      cycle.set({ operator }, report.timingsMs.total / 1000);
      for (const action of ["RUN", "STOP", "RESTART", "HOLD"])
        decisions.set({ operator, action }, report.decisions.filter((d) => d.action === action).length);
      for (const stage of ["gate", "policy", "execution"])
        suppressed.set({ operator, stage }, report.negativeProofs.filter((p) => p.stage === stage).length);
      const totals = controller.fleetTotals?.body as Record<string, number | string> | undefined;
      if (totals) {
        hashrate.set({ operator }, Number(totals.hashrateThs));
        power.set({ operator }, Number(totals.powerW));
        margin.set({ operator }, Number(totals.marginMicroUsdPerDay) / 1e6);
      }
    }
  }
}

/**
 * Leaves out of an operator's /metrics every sample labelled with another operator. Series without
 * an operator label (requests, process, disk) are the server's and stay. The metrics token's scrape
 * (scheme "metrics-token") and a server without authentication keep everything.
 */
export function scopeMetrics(app: FastifyInstance): void {
  app.addHook("onSend", async (request, _reply, payload) => {
    if (request.routeOptions.url !== "/metrics" || typeof payload !== "string") return payload;
    const signer = request.operator;
    if (!signer || signer.scheme === "metrics-token") return payload;
    return payload
      .split("\n")
      .filter((line) => {
        if (line.startsWith("#")) return true;
        const labelled = /[{,]operator="([^"]*)"/.exec(line);
        return !labelled || labelled[1] === signer.id;
      })
      .join("\n");
  });
}
