-- Outputs are removed some days after their job ends (PITHEAD_RESULT_RETENTION_DAYS): when, per
-- job; the index holds only ended jobs whose outputs are still kept, so the sweep finds the oldest
-- at once however many were removed before.
ALTER TABLE jobs ADD COLUMN output_removed_at BIGINT;
CREATE INDEX jobs_outputs_kept ON jobs (finished_at) WHERE finished_at IS NOT NULL AND output_removed_at IS NULL;
