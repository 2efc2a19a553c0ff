// The hot query of the claim path: jobs with a replica to hand out, for the miner's workloads, in
// queue order, skipping jobs this miner (or its wallet) may not take. Served by the partial index
// jobs_claimable (workload, seq) WHERE open_slots > 0. No row locks: every write transaction runs
// alone (SQLite's write lock; on PostgreSQL the advisory lock each batch takes first), so the
// candidates cannot change under a claim — and locking rows it then skips would only cost writes.
import type { ClaimQuery } from "../types.ts";
import { placeholders, type SqlParam } from "./sql.ts";

export function claimCandidatesSql(query: ClaimQuery): { sql: string; params: SqlParam[] } {
  const sql = `
    SELECT j.* FROM jobs j
    WHERE j.open_slots > 0
      AND j.workload IN (${placeholders(query.workloads.length)})
      AND j.seq > ?
      AND (j.start_by IS NULL OR j.start_by > ?)
      AND NOT EXISTS (
        SELECT 1 FROM assignments a
        WHERE a.job_id = j.id
          AND ((a.miner_id = ? AND a.state <> 'EXPIRED')
            OR (a.wallet = ? AND a.state IN ('LEASED', 'PROVED'))))
    ORDER BY j.seq
    LIMIT ?`;
  return {
    sql,
    params: [...query.workloads, query.afterSeq, query.now, query.minerId, query.wallet, query.limit],
  };
}
