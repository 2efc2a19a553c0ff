// A job no online miner can take just sits queued until its slots expire: its page says why, in
// the coordinator's words. The coordinator judges it by its own matching (workload, constraints
// such as min_vram_mb, distinct miners and wallets per replica) against the miners online now and
// answers `warnings` on GET /v1/jobs/{id}, to a client key too (counts and limits, no other
// tenant's miners), so the page needs no admin role and no miners list of its own.

import { coordinator, type Job } from "../../api/coordinator.ts";
import { useInterval, useLoad } from "../../lib/use-load.ts";

/** GET /v1/jobs/{id}'s warnings (absent when none, and from coordinators before they were added). */
type Warned = Job & { warnings?: { code: string; message: string }[] };

/** Miners come online and go: read the job again while it waits, as often as the Jobs page does. */
const REREAD_MS = 10_000;

export function WaitingJobWarning({ readKey, job }: { readKey: string; job: Job }) {
  const reread = useLoad((signal) => coordinator.job(readKey, job.id, signal), [readKey, job.id]);
  useInterval(reread.refresh, REREAD_MS);
  // A failed read leaves the last answer in place: it is no longer known to be true, so no warning.
  if (reread.error !== undefined) return null;
  const warnings = ((reread.data ?? job) as Warned).warnings ?? [];
  if (warnings.length === 0) return null;
  return (
    <>
      {warnings.map((warning) => (
        <div key={warning.code} className="notice notice-warn" role="status" data-testid="job-waiting-warning">
          {warning.message}
        </div>
      ))}
    </>
  );
}
