// Contract: releaseLeases
//   Leases claimed for a long-poll that went away before they were delivered go straight back to
//   the queue at the same attempt. Not the miner's doing: no lost attempt, no reputation change. A lease that is no
//   longer LEASED (it was proven or swept meanwhile) is left alone.
import { withSlotReopened } from "../core/job-life.ts";
import type { Tx } from "../store/types.ts";
import { AssignmentSet } from "./assignment-set.ts";
import { saveJob } from "./job-writes.ts";

export async function releaseLeases(
  tx: Tx,
  leases: readonly { jobId: string; assignmentId: string }[],
): Promise<number> {
  let released = 0;
  for (const { jobId, assignmentId } of leases) {
    const job = await tx.job(jobId);
    if (!job) continue;
    const assignments = await AssignmentSet.load(tx, jobId);
    const held = assignments.get(assignmentId);
    if (held?.state !== "LEASED") continue;
    assignments.update({
      ...held,
      state: "EXPIRED",
      failCode: "NOT_DELIVERED",
      failMessage: "the long-poll ended before the job was delivered",
      endedAt: tx.now,
    });
    await assignments.save(tx);
    await tx.record("coordinator.lease.released", { job_id: jobId, miner_id: held.minerId, attempt: held.attempt });
    await saveJob(tx, job, withSlotReopened(job, held.attempt, assignments.all, tx.now));
    released++;
  }
  return released;
}
