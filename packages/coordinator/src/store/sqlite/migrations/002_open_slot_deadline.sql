-- Every open slot has a start deadline now, not only a job never leased: a replica requeued after a
-- lost lease, or not yet taken by a second miner, expires at ttl_s instead of waiting forever.
DROP INDEX jobs_overdue;
CREATE INDEX jobs_overdue ON jobs (start_by) WHERE open_slots > 0;
-- Slots opened before this version had no deadline: they get ttl_s from the upgrade.
UPDATE jobs
   SET start_by = CAST(unixepoch('subsec') * 1000 AS INTEGER) + ttl_s * 1000
 WHERE open_slots > 0 AND start_by IS NULL;
