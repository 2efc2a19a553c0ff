-- `attempt` is counted per replica: each open slot keeps the attempt its next lease will be (a JSON
-- array, one entry per open slot), and the job the highest attempt leased so far (its views show it).
-- Rows from before keep open_attempts NULL: their slots' attempts are derived when read.
ALTER TABLE jobs ADD COLUMN open_attempts TEXT;
ALTER TABLE jobs ADD COLUMN attempt BIGINT NOT NULL DEFAULT 0;
-- Leases held at the upgrade were numbered across replicas (1, 2, 3 for the first try of a
-- replicate x3 job): renumber them per replica the way legacy open slots are derived
-- (leases lost / replicas + 1), so a replica that loses one is requeued, not taken for exhausted.
UPDATE assignments a
   SET attempt = LEAST(j.max_attempts, j.leases_lost / j.replicas + 1)
  FROM jobs j
 WHERE j.id = a.job_id AND a.state = 'LEASED' AND j.finished_at IS NULL;
UPDATE jobs SET attempt = CASE
  WHEN finished_at IS NOT NULL THEN COALESCE((SELECT MAX(a.attempt) FROM assignments a WHERE a.job_id = jobs.id), 0)
  WHEN leases_issued = 0 THEN 0
  ELSE LEAST(max_attempts, leases_lost / replicas + 1)
END;
