// The marketplace's own gauges on the server's Prometheus registry, read at scrape time: jobs per
// state, replicas waiting for a miner, miners by status, long-polls held, completions per minute.
// Counts only (no wallet, key or job data), so they can stay on the public /metrics.
// A scrape never fails because the database does: `pithead_coordinator_database_up` says whether
// it answered, and the counts read from it are left out (by-label gauges) or NaN until it does —
// the HTTP and process figures are what an operator needs most while it is down.
import { Gauge, type Registry } from "prom-client";
import type { CoordinatorService } from "../service/coordinator.ts";
import type { Stats } from "../store/types.ts";

/** How long a scrape waits for the database's counts before reporting it down (scrapes time out at 10 s). */
const STATS_WAIT_MS = 2_000;

/** The stats, or null when the database did not answer in time. */
async function statsOrNull(service: CoordinatorService): Promise<Stats | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), STATS_WAIT_MS);
  });
  try {
    return await Promise.race([service.reads.stats(service.clock()).catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function installCoordinatorMetrics(registry: Registry, service: CoordinatorService): void {
  // prom-client collects every gauge of a scrape at once: they share one read of the stats (several
  // queries over the jobs), and the next scrape reads afresh.
  let reading: Promise<Stats | null> | undefined;
  const stats = () => {
    reading ??= statsOrNull(service).finally(() => {
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
  /** A gauge read from the stats: without them, no samples (by label) or NaN (a single value). */
  const counted = (name: string, help: string, labelNames: string[], set: (gauge: Gauge, stats: Stats) => void) =>
    gauge(name, help, labelNames, async (g) => {
      const read = await stats();
      if (read) set(g, read);
      else if (labelNames.length > 0) g.reset();
      else g.set(Number.NaN);
    });

  gauge("pithead_coordinator_database_up", "1 if the database answered this scrape's reads, else 0", [], async (g) => {
    g.set((await stats()) ? 1 : 0);
  });
  counted("pithead_coordinator_jobs", "Jobs by state", ["state"], (jobs, read) => {
    for (const [state, count] of Object.entries(read.jobs)) jobs.set({ state }, count);
  });
  counted(
    "pithead_coordinator_queue_depth",
    "Replicas waiting for a miner (open slots of live jobs)",
    [],
    (g, read) => {
      g.set(read.queueDepth);
    },
  );
  counted("pithead_coordinator_miners", "Miners by status", ["status"], (miners, read) => {
    for (const [status, count] of Object.entries(read.miners)) miners.set({ status }, count);
  });
  gauge("pithead_coordinator_waiting_miners", "Long-polls held open, waiting for a job", [], async (g) => {
    g.set(service.waiting);
  });
  counted("pithead_coordinator_completed_last_minute", "Jobs completed in the last 60 s", [], (g, read) => {
    g.set(read.completedLastMinute);
  });
}
