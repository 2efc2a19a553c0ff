// A job no online miner runs just sits queued until its slots expire: its page says so, as the
// submit form does, from every miner the coordinator lists (admin role). Without that role (a
// client key alone, an admin key refused) the miners cannot be read: then it says nothing, neither
// a warning it cannot back nor an error about a list this page does not show.

import { coordinator, type Job } from "../../api/coordinator.ts";
import { useInterval, useLoad } from "../../lib/use-load.ts";
import { ALL_MINERS_PAGE, readAllMiners } from "./all-miners.ts";
import { capacityWarning, onlineCapacity } from "./miner-capacity.ts";

/** Miners come online and go: read again while the job waits, as often as the Jobs page does. */
const REREAD_MS = 10_000;

export function WaitingJobWarning({ adminKey, job }: { adminKey: string; job: Job }) {
  const miners = useLoad(
    adminKey
      ? (signal) => readAllMiners((after) => coordinator.miners(adminKey, { after, limit: ALL_MINERS_PAGE }, signal))
      : null,
    [adminKey],
  );
  useInterval(miners.refresh, adminKey ? REREAD_MS : null);
  // A failed read leaves the last list in place: it is no longer known to be true, so no warning.
  if (!miners.data || miners.error !== undefined) return null;
  const warning = capacityWarning(onlineCapacity(miners.data), {
    workload: job.workload,
    verification: job.verification.mode === "replicate" ? "replicate" : "none",
    replicas: String(job.verification.replicas),
  });
  if (!warning) return null;
  return (
    <div className="notice notice-warn" role="status" data-testid="job-waiting-warning">
      {warning}
    </div>
  );
}
