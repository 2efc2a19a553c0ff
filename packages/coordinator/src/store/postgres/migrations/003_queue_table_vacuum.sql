-- Jobs and assignments are queue tables: nearly every row is updated a few times within seconds of
-- its insert. Each update leaves a dead version, and a dead version stays in the claim query's
-- partial index (jobs_claimable) until VACUUM removes it, so with the default thresholds (20% of
-- the table) a long-running coordinator's claims walk ever more dead entries between vacuums.
-- Vacuum and analyze these two tables after about 2% of their rows changed instead.
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE assignments SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
