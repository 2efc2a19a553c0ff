// The marketplace's own gauges on the server's Prometheus registry, read at scrape time: jobs per
// state, replicas waiting for a miner, miners by status, long-polls held, completions per minute.
// Counts only (no wallet, key or job data), so they can stay on the public /metrics.
import { Gauge, type Registry } from "prom-client";
import type { CoordinatorService } from "../service/coordinator.ts";
import type { Stats } from "../store/types.ts";

export function installCoordinatorMetrics(registry: Registry, service: CoordinatorService): void {
  // prom-client collects every gauge of a scrape at once: they share one read of the stats (several
  // queries over the jobs), and the next scrape reads afresh.
  let reading: Promise<Stats> | undefined;
  const stats = () => {
    reading ??= service.reads.stats(service.clock()).finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const gauge = (name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => Promise<void>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        await collect(this);
      },
    });

  gauge("pithead_coordinator_jobs", "Jobs by state", ["state"], async (jobs) => {
    for (const [state, count] of Object.entries((await stats()).jobs)) jobs.set({ state }, count);
  });
  gauge("pithead_coordinator_queue_depth", "Replicas waiting for a miner (open slots of live jobs)", [], async (g) => {
    g.set((await stats()).queueDepth);
  });
  gauge("pithead_coordinator_miners", "Miners by status", ["status"], async (miners) => {
    for (const [status, count] of Object.entries((await stats()).miners)) miners.set({ status }, count);
  });
  gauge("pithead_coordinator_waiting_miners", "Long-polls held open, waiting for a job", [], async (g) => {
    g.set(service.waiting);
  });
  gauge("pithead_coordinator_completed_last_minute", "Jobs completed in the last 60 s", [], async (g) => {
    g.set((await stats()).completedLastMinute);
  });
}
