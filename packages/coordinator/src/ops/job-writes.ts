// Saving a job: bumps its version and emits an event when its state changes or a replica opens up
// (the dispatcher wakes long-polling miners on those).
import { isoTime } from "../core/iso-time.ts";
import type { Job, JobState } from "../core/model.ts";
import type { JobEvent, Tx } from "../store/types.ts";

export function jobEvent(job: Job, previous: JobState | null): JobEvent {
  return {
    type: "job.state",
    job_id: job.id,
    state: job.state,
    previous,
    version: job.version,
    open_slots: job.openSlots,
    workload: job.workload,
    client_key_id: job.clientKeyId,
    at: isoTime(job.updatedAt),
  };
}

export async function saveJob(tx: Tx, before: Job, after: Job): Promise<Job> {
  const notable = before.state !== after.state || after.openSlots > before.openSlots;
  const next: Job = { ...after, updatedAt: tx.now, version: notable ? before.version + 1 : before.version };
  await tx.updateJob(next);
  if (notable) tx.emit(jobEvent(next, before.state));
  return next;
}
