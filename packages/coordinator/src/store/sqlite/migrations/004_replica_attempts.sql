-- `attempt` is counted per replica: each open slot keeps the attempt its next lease will be (a JSON
-- array, one entry per open slot), and the job the highest attempt leased so far (its views show it).
-- Rows from before keep open_attempts NULL: their slots' attempts are derived when read.
ALTER TABLE jobs ADD COLUMN open_attempts TEXT;
ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET attempt = COALESCE((SELECT MAX(a.attempt) FROM assignments a WHERE a.job_id = jobs.id), 0);
