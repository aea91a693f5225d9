-- 0006_job_owners (pg): reverse order of the up.
DROP INDEX materials_storage_key_idx;
DROP INDEX jobs_gave_up_due_idx;
DROP INDEX jobs_owner_idx;
DROP INDEX jobs_runnable_idx;
CREATE INDEX jobs_runnable_idx ON jobs (queue, priority DESC, run_at)
    WHERE status IN ('queued', 'failed');
ALTER TABLE jobs DROP COLUMN gave_up_due;
ALTER TABLE jobs DROP COLUMN fair_at;
ALTER TABLE jobs DROP COLUMN owner_id;
