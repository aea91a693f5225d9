-- 0006_job_owners (sqlite): who a job works for, the order that shares workers fairly
-- between them, a kind's gave-up step that is still owed, and the lookup the sweep of
-- orphaned originals makes.

-- The user a job works for (an upload's extraction: its material's owner); NULL for
-- the system's own jobs. No foreign key: a job outlives nothing, and its kind decides
-- what a deleted owner means.
ALTER TABLE jobs ADD COLUMN owner_id TEXT;
-- The claim order: the enqueue time for a job without an owner, else one quantum after
-- the owner's latest unfinished job (jobs/queue.c), so owners take turns.
ALTER TABLE jobs ADD COLUMN fair_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000Z';
-- A job buried (dead) whose kind's gave-up step has not run yet: when to try it.
ALTER TABLE jobs ADD COLUMN gave_up_due TEXT;
UPDATE jobs SET fair_at = run_at;

DROP INDEX jobs_runnable_idx;
CREATE INDEX jobs_runnable_idx ON jobs (queue, priority DESC, fair_at)
    WHERE status IN ('queued', 'failed');
-- An owner's unfinished jobs: the next fair_at, and the per-user cap of uploads.
CREATE INDEX jobs_owner_idx ON jobs (owner_id, fair_at)
    WHERE owner_id IS NOT NULL AND status IN ('queued', 'running', 'failed');
CREATE INDEX jobs_gave_up_due_idx ON jobs (gave_up_due) WHERE gave_up_due IS NOT NULL;

CREATE INDEX materials_storage_key_idx ON materials (storage_key);
