-- A miner in its shutdown grace says so in its heartbeat (`stopping: true`): it gets no new job.
ALTER TABLE miners ADD COLUMN stopping BOOLEAN NOT NULL DEFAULT false;
